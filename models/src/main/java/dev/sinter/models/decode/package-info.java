/**
 * Fast autoregressive decoding outside the SameDiff executor: a {@link dev.sinter.models.decode.KvCacheDecoder}
 * runs one-token steps in plain Java over a per-layer key/value cache, reading the weights of a
 * {@link dev.sinter.models.transformer.TransformerModel} once into contiguous arrays
 * ({@link dev.sinter.models.decode.DecoderWeights}). Its logits equal the graph's (tests hold them to 1e-4) for every
 * architecture the graph builder makes: RMSNorm/LayerNorm, adjacent/half RoPE or learned positions, GQA,
 * SwiGLU/GELU, tied or untied heads, and MoE layers (top-1/top-2, Residual MoE) without token dropping.
 *
 * <p>The inner loops use the incubating Vector API when the JVM runs with {@code --add-modules jdk.incubator.vector}
 * (the build, the tests and {@code bin/sinter} pass it) and plain Java loops otherwise.
 */
package dev.sinter.models.decode;
