package dev.sinter.encoders;

/** How token states become one vector per sequence. */
public enum Pooling {
    /** Mean over the non-padding tokens (sentence-transformers' all-MiniLM-L6-v2). */
    MEAN,
    /** The first token's state, {@code [CLS]} (bge-small-en-v1.5). */
    CLS
}
