/**
 * Text generation from a {@link dev.sinter.models.transformer.TransformerModel} through the KV-cache decoder of
 * {@link dev.sinter.models.decode}: greedy, temperature, top-k, top-p, repetition penalty, stop token.
 */
package dev.sinter.models.generate;
