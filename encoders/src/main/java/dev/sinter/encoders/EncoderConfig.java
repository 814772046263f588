package dev.sinter.encoders;

/**
 * Architecture of a BERT-style encoder (post-LayerNorm, learned positions, token types, erf GELU).
 *
 * @param nLayers       transformer layers
 * @param dim           hidden size
 * @param nHeads        attention heads (must divide dim)
 * @param hiddenDim     FFN intermediate size
 * @param vocabSize     word-piece vocabulary
 * @param maxPositions  learned position table rows (the longest input)
 * @param typeVocabSize token-type table rows
 * @param layerNormEps  LayerNorm epsilon (BERT: 1e-12)
 * @param pooling       pooled output
 */
public record EncoderConfig(int nLayers, int dim, int nHeads, int hiddenDim, int vocabSize, int maxPositions,
                            int typeVocabSize, double layerNormEps, Pooling pooling) {
    public EncoderConfig {
        if (nLayers < 1 || dim < 1 || nHeads < 1 || hiddenDim < 1 || vocabSize < 1 || maxPositions < 1
                || typeVocabSize < 1) {
            throw new IllegalArgumentException("encoder sizes must be >= 1: layers " + nLayers + ", dim " + dim
                    + ", heads " + nHeads + ", hidden " + hiddenDim + ", vocab " + vocabSize + ", positions "
                    + maxPositions + ", token types " + typeVocabSize);
        }
        if (dim % nHeads != 0) {
            throw new IllegalArgumentException("n_heads " + nHeads + " must divide dim " + dim);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
        }
        if (pooling == null) {
            throw new IllegalArgumentException("pooling must be set (mean or cls)");
        }
    }

    public int headDim() {
        return dim / nHeads;
    }

    /** A tiny encoder for unit tests. */
    public static EncoderConfig tiny(Pooling pooling) {
        return new EncoderConfig(2, 32, 4, 64, 100, 16, 2, 1e-12, pooling);
    }
}
