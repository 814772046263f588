package dev.sinter.models.config;

import dev.sinter.framework.config.Checks;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.List;

/**
 * Fully resolved architecture of a decoder-only transformer (every field concrete and range-checked).
 * Named presets are registered as {@link ModelPreset}s; YAML names a preset and overrides fields.
 *
 * @param dim            model width D
 * @param nLayers        number of transformer blocks
 * @param nHeads         query heads H (D must be divisible by H)
 * @param nKvHeads       key/value heads (grouped-query attention; H must be divisible by it)
 * @param hiddenDim      MLP intermediate width
 * @param vocabSize      vocabulary size V
 * @param maxSeqLen      longest sequence the model accepts (RoPE table / learned position table size)
 * @param norm           {@code rmsnorm} or {@code layernorm}
 * @param normEps        epsilon of the norm
 * @param positions      {@code rope} or {@code learned}
 * @param ropeStyle      {@code adjacent} (pairs 2i,2i+1, llama2.c/Meta) or {@code half} (rotate-half, HF)
 * @param ropeTheta      RoPE base
 * @param mlp            {@code swiglu} (gate/up/down) or {@code gelu} (up/down)
 * @param tieEmbeddings  LM head shares the token embedding
 * @param initStd        standard deviation of the normal initialisation of weight matrices
 * @param moe            Mixture-of-Experts feed-forward layers, or null for a dense model
 * @param attentionBias  q/k/v projections carry biases ({@code …{q,k,v}_proj.bias}), as in Qwen2; HF's
 *                       {@code attention_bias} name (o_proj never has one here)
 */
public record ModelConfig(int dim, int nLayers, int nHeads, int nKvHeads, int hiddenDim, int vocabSize,
                          int maxSeqLen, String norm, double normEps, String positions, String ropeStyle,
                          double ropeTheta, String mlp, boolean tieEmbeddings, double initStd, MoeConfig moe,
                          boolean attentionBias) {

    @JsonCreator
    public ModelConfig {
        Checks.positive("dim", dim);
        Checks.positive("n_layers", nLayers);
        Checks.positive("n_heads", nHeads);
        Checks.positive("n_kv_heads", nKvHeads);
        Checks.positive("hidden_dim", hiddenDim);
        Checks.positive("vocab_size", vocabSize);
        Checks.positive("max_seq_len", maxSeqLen);
        Checks.oneOf("norm", norm, "rmsnorm", "layernorm");
        Checks.oneOf("positions", positions, "rope", "learned");
        Checks.oneOf("rope_style", ropeStyle, "adjacent", "half");
        Checks.oneOf("mlp", mlp, "swiglu", "gelu");
        Checks.positive("norm_eps", normEps);
        Checks.positive("rope_theta", ropeTheta);
        Checks.positive("init_std", initStd);
        if (dim % nHeads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not divisible by n_heads " + nHeads
                    + "; choose n_heads among the divisors of dim");
        }
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("n_heads " + nHeads + " is not divisible by n_kv_heads " + nKvHeads
                    + "; n_kv_heads must divide n_heads");
        }
        if (positions.equals("rope") && (dim / nHeads) % 2 != 0) {
            throw new IllegalArgumentException("head size " + dim / nHeads + " is odd; rotary positions need an even head size");
        }
        if (moe != null) {
            moe.moeLayers(nLayers); // one expert count per MoE layer, every index in range
        }
    }

    /** A model without attention biases. */
    public ModelConfig(int dim, int nLayers, int nHeads, int nKvHeads, int hiddenDim, int vocabSize, int maxSeqLen,
                       String norm, double normEps, String positions, String ropeStyle, double ropeTheta, String mlp,
                       boolean tieEmbeddings, double initStd, MoeConfig moe) {
        this(dim, nLayers, nHeads, nKvHeads, hiddenDim, vocabSize, maxSeqLen, norm, normEps, positions, ropeStyle,
                ropeTheta, mlp, tieEmbeddings, initStd, moe, false);
    }

    /** A dense model (no MoE layers, no attention biases). */
    public ModelConfig(int dim, int nLayers, int nHeads, int nKvHeads, int hiddenDim, int vocabSize, int maxSeqLen,
                       String norm, double normEps, String positions, String ropeStyle, double ropeTheta, String mlp,
                       boolean tieEmbeddings, double initStd) {
        this(dim, nLayers, nHeads, nKvHeads, hiddenDim, vocabSize, maxSeqLen, norm, normEps, positions, ropeStyle,
                ropeTheta, mlp, tieEmbeddings, initStd, null);
    }

    /** The same architecture with the given MoE layers (null = dense). */
    public ModelConfig withMoe(MoeConfig moe) {
        return new ModelConfig(dim, nLayers, nHeads, nKvHeads, hiddenDim, vocabSize, maxSeqLen, norm, normEps,
                positions, ropeStyle, ropeTheta, mlp, tieEmbeddings, initStd, moe, attentionBias);
    }

    /** The same architecture with or without q/k/v biases. */
    public ModelConfig withAttentionBias(boolean attentionBias) {
        return new ModelConfig(dim, nLayers, nHeads, nKvHeads, hiddenDim, vocabSize, maxSeqLen, norm, normEps,
                positions, ropeStyle, ropeTheta, mlp, tieEmbeddings, initStd, moe, attentionBias);
    }

    /** The same architecture with the given RoPE layout ({@code adjacent} or {@code half}). */
    public ModelConfig withRopeStyle(String ropeStyle) {
        return new ModelConfig(dim, nLayers, nHeads, nKvHeads, hiddenDim, vocabSize, maxSeqLen, norm, normEps,
                positions, ropeStyle, ropeTheta, mlp, tieEmbeddings, initStd, moe, attentionBias);
    }

    /** The 0-based indices of the MoE layers (empty for a dense model). */
    public List<Integer> moeLayers() {
        return moe == null ? List.of() : moe.moeLayers(nLayers);
    }

    /** Experts of layer {@code i}, or 0 when layer i is dense. */
    public int expertsAt(int i) {
        int j = moeLayers().indexOf(i);
        return j < 0 ? 0 : moe.experts().get(j);
    }

    /** Hidden width of each expert (and of the residual MLP). */
    public int expertHiddenDim() {
        return moe == null || moe.expertHiddenDim() == null ? hiddenDim : moe.expertHiddenDim();
    }

    /** Head size hd = D / H. */
    public int headDim() {
        return dim / nHeads;
    }

    /** Query heads per key/value head. */
    public int groupSize() {
        return nHeads / nKvHeads;
    }

    /** Width of the K and V projections: n_kv_heads · hd. */
    public int kvDim() {
        return nKvHeads * headDim();
    }
}
