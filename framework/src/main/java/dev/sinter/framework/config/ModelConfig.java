package dev.sinter.framework.config;

/**
 * Fully resolved architecture of a decoder-only transformer (every field concrete and range-checked).
 * Named presets live in {@link ModelPresets}; YAML names a preset and overrides fields.
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
 */
public record ModelConfig(int dim, int nLayers, int nHeads, int nKvHeads, int hiddenDim, int vocabSize,
                          int maxSeqLen, String norm, double normEps, String positions, String ropeStyle,
                          double ropeTheta, String mlp, boolean tieEmbeddings, double initStd) {

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
