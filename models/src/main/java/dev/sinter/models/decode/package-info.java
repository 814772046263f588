/**
 * Fast autoregressive decoding outside the SameDiff executor: a {@link dev.sinter.models.decode.KvCacheDecoder}
 * runs one-token steps in plain Java over a per-layer key/value cache, reading the weights of a
 * {@link dev.sinter.models.transformer.TransformerModel} once into contiguous arrays
 * ({@link dev.sinter.models.decode.DecoderWeights}). Its logits equal the graph's (tests hold them to 1e-4) for every
 * architecture the graph builder makes: RMSNorm/LayerNorm, adjacent/half RoPE or learned positions, GQA,
 * SwiGLU/GELU, tied or untied heads, and MoE layers (top-1/top-2, Residual MoE) without token dropping.
 *
 * <p>The inner loops use the incubating Vector API when the JVM runs with {@code --add-modules jdk.incubator.vector}
 * (the build, the tests and {@code bin/sinter} pass it) and plain Java loops otherwise. One decoder may hold several
 * sequences and step them together, each weight read once per step for all of them. Until C2 has compiled them the
 * Vector API kernels are very slow, so {@code sinter generate} starts {@link dev.sinter.models.decode.DecoderWarmUp}
 * on the other core while it loads the model.
 */
package dev.sinter.models.decode;
