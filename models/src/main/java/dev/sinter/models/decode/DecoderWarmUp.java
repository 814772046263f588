package dev.sinter.models.decode;

import dev.sinter.models.config.ModelConfig;
import java.util.List;

/**
 * Gets the decoder's code compiled before the first real decode. Until C2 has compiled them, the Vector API kernels
 * run interpreted, tens of times slower than plain Java: a first decode of stories260K in a fresh JVM ran at 0.05× of
 * its warm speed. {@link #startInBackground()} decodes throwaway tokens through small random models in a daemon thread
 * (on the second core) while the caller loads its model, so that a user's first decode runs compiled code.
 *
 * <p>The throwaway models are shaped to take the kernels' branches for Llama-family models (head sizes of half an
 * AVX-512 vector, whole vectors and neither; 2 to 4 query heads per KV head; matrices of 4+ row blocks and a
 * remainder; odd and even widths): a branch the warm-up never took is compiled as a trap and costs a recompilation on
 * first use. One query head per KV head (MHA) is left out on purpose: warming it too made C2 keep the per-head
 * branches of {@link VectorKernels#scores} in the compiled loop, and stories260K's warm decode slowed from 38 to
 * 60 µs per token (real-models.md); an MHA model pays one recompilation instead. It uses the kernels
 * {@link Kernels#best()} picks, and no ND4J, so it does not contend with model loading for ND4J's initialisation.
 */
public final class DecoderWarmUp {
    /** Decode steps per throwaway model: with 1,500, a first real decode ran at 0.53–0.74× of warm (real-models.md). */
    static final int STEPS = 1500;

    private static Thread started;

    private DecoderWarmUp() {
    }

    /**
     * Starts the warm-up in a daemon thread, once per JVM (later calls return the same thread). The thread used 1.3 s
     * of CPU time with four throwaway shapes (measured; three now), besides the JIT compiler's own threads; the
     * decoder needs nothing from it to be correct, only to be fast from its first step.
     */
    public static synchronized Thread startInBackground() {
        if (started == null) {
            Kernels kernels = Kernels.best();
            started = new Thread(() -> run(kernels, STEPS), "sinter-decoder-warm-up");
            started.setDaemon(true);
            started.setPriority(Thread.MIN_PRIORITY);
            started.start();
        }
        return started;
    }

    /** The throwaway architectures: llama-like, covering the kernels' branches (see the class comment). */
    static List<ModelConfig> shapes() {
        return List.of(
                shape(64, 8, 4, 171, "adjacent"), // hd 8: half an AVX-512 vector, 2 query heads per KV head
                shape(96, 6, 2, 256, "adjacent"), // hd 16: whole vectors, 3 per KV head
                shape(80, 8, 2, 200, "half")); // hd 10: neither, 4 per KV head
    }

    private static ModelConfig shape(int dim, int heads, int kvHeads, int hidden, String ropeStyle) {
        return ModelConfig.builder().dim(dim).nLayers(2).nHeads(heads).nKvHeads(kvHeads).hiddenDim(hidden)
                .vocabSize(517).maxSeqLen(96).ropeStyle(ropeStyle).build();
    }

    /**
     * Decodes {@code steps} greedy tokens (in windows of max_seq_len, each started by a prefill) through each of the
     * {@link #shapes()} with random weights; returns the last token, so that the work cannot be optimised away.
     */
    static int run(Kernels kernels, int steps) {
        int token = 1;
        for (ModelConfig c : shapes()) {
            KvCacheDecoder decoder = new KvCacheDecoder(DecoderWeights.random(c, kernels, 42));
            int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
            float[] logits = decoder.prefill(prompt);
            for (int s = 0; s < steps; s++) {
                if (decoder.length() == c.maxSeqLen()) {
                    decoder.reset();
                    logits = decoder.prefill(prompt);
                }
                token = argmax(logits);
                logits = decoder.step(token);
            }
        }
        return token;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
