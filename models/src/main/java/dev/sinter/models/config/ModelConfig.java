package dev.sinter.models.config;

import dev.sinter.framework.config.Checks;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.List;

/**
 * Fully resolved architecture of a decoder-only transformer (every field concrete and range-checked).
 * Named presets are registered as {@link ModelPreset}s; YAML names a preset and overrides fields. Code builds one
 * with {@link #builder()} (or {@link #toBuilder()} from another); the positional canonical constructor is public
 * only because a record's must be (Jackson reads YAML through it).
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

    /**
     * A builder with the Llama defaults: RMSNorm (eps 1e-5), adjacent RoPE (theta 10000), SwiGLU, tied embeddings,
     * init std 0.02, dense, no attention biases, as many KV heads as query heads. The sizes {@code dim, n_layers,
     * n_heads, hidden_dim, vocab_size, max_seq_len} have no default.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this architecture. */
    public Builder toBuilder() {
        return new Builder().dim(dim).nLayers(nLayers).nHeads(nHeads).nKvHeads(nKvHeads).hiddenDim(hiddenDim)
                .vocabSize(vocabSize).maxSeqLen(maxSeqLen).norm(norm).normEps(normEps).positions(positions)
                .ropeStyle(ropeStyle).ropeTheta(ropeTheta).mlp(mlp).tieEmbeddings(tieEmbeddings).initStd(initStd)
                .moe(moe).attentionBias(attentionBias);
    }

    /** The same architecture with the given MoE layers (null = dense). */
    public ModelConfig withMoe(MoeConfig moe) {
        return toBuilder().moe(moe).build();
    }

    /** The same architecture with or without q/k/v biases. */
    public ModelConfig withAttentionBias(boolean attentionBias) {
        return toBuilder().attentionBias(attentionBias).build();
    }

    /** The same architecture with the given RoPE layout ({@code adjacent} or {@code half}). */
    public ModelConfig withRopeStyle(String ropeStyle) {
        return toBuilder().ropeStyle(ropeStyle).build();
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

    /** Names every field of a {@link ModelConfig}; {@link #build} range-checks them as the record does. */
    public static final class Builder {
        private Integer dim;
        private Integer nLayers;
        private Integer nHeads;
        private Integer nKvHeads;
        private Integer hiddenDim;
        private Integer vocabSize;
        private Integer maxSeqLen;
        private String norm = "rmsnorm";
        private double normEps = 1e-5;
        private String positions = "rope";
        private String ropeStyle = "adjacent";
        private double ropeTheta = 10000;
        private String mlp = "swiglu";
        private boolean tieEmbeddings = true;
        private double initStd = 0.02;
        private MoeConfig moe;
        private boolean attentionBias;

        private Builder() {
        }

        /** Model width D. */
        public Builder dim(int dim) {
            this.dim = dim;
            return this;
        }

        /** Number of transformer blocks. */
        public Builder nLayers(int nLayers) {
            this.nLayers = nLayers;
            return this;
        }

        /** Query heads H. */
        public Builder nHeads(int nHeads) {
            this.nHeads = nHeads;
            return this;
        }

        /** Key/value heads (default: as many as query heads). */
        public Builder nKvHeads(int nKvHeads) {
            this.nKvHeads = nKvHeads;
            return this;
        }

        /** MLP intermediate width. */
        public Builder hiddenDim(int hiddenDim) {
            this.hiddenDim = hiddenDim;
            return this;
        }

        /** Vocabulary size V. */
        public Builder vocabSize(int vocabSize) {
            this.vocabSize = vocabSize;
            return this;
        }

        /** Longest sequence the model accepts. */
        public Builder maxSeqLen(int maxSeqLen) {
            this.maxSeqLen = maxSeqLen;
            return this;
        }

        /** {@code rmsnorm} or {@code layernorm}. */
        public Builder norm(String norm) {
            this.norm = norm;
            return this;
        }

        /** Epsilon of the norm. */
        public Builder normEps(double normEps) {
            this.normEps = normEps;
            return this;
        }

        /** {@code rope} or {@code learned}. */
        public Builder positions(String positions) {
            this.positions = positions;
            return this;
        }

        /** {@code adjacent} (llama2.c/Meta) or {@code half} (rotate-half, HF). */
        public Builder ropeStyle(String ropeStyle) {
            this.ropeStyle = ropeStyle;
            return this;
        }

        /** RoPE base. */
        public Builder ropeTheta(double ropeTheta) {
            this.ropeTheta = ropeTheta;
            return this;
        }

        /** {@code swiglu} or {@code gelu}. */
        public Builder mlp(String mlp) {
            this.mlp = mlp;
            return this;
        }

        /** Whether the LM head shares the token embedding. */
        public Builder tieEmbeddings(boolean tieEmbeddings) {
            this.tieEmbeddings = tieEmbeddings;
            return this;
        }

        /** Standard deviation of the weight initialisation. */
        public Builder initStd(double initStd) {
            this.initStd = initStd;
            return this;
        }

        /** Mixture-of-Experts layers, or null for a dense model. */
        public Builder moe(MoeConfig moe) {
            this.moe = moe;
            return this;
        }

        /** Whether q/k/v projections carry biases (Qwen2). */
        public Builder attentionBias(boolean attentionBias) {
            this.attentionBias = attentionBias;
            return this;
        }

        /** The range-checked config; a size left unset is an error naming the setter to call. */
        public ModelConfig build() {
            int h = required("nHeads", nHeads);
            return new ModelConfig(required("dim", dim), required("nLayers", nLayers), h,
                    nKvHeads == null ? h : nKvHeads, required("hiddenDim", hiddenDim), required("vocabSize", vocabSize),
                    required("maxSeqLen", maxSeqLen), norm, normEps, positions, ropeStyle, ropeTheta, mlp,
                    tieEmbeddings, initStd, moe, attentionBias);
        }

        private static int required(String setter, Integer value) {
            if (value == null) {
                throw new IllegalArgumentException("ModelConfig." + setter + " is not set; call builder()." + setter
                        + "(..) before build()");
            }
            return value;
        }
    }
}
