package dev.sinter.models.moe;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.MoeConfig;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-batch placeholders of MoE layers: token mask, capacity, RTS token order, Gumbel and jitter noise, and the
 * load-balancing coefficient.
 *
 * <p>Training draws its noise from {@code noiseKey} (the model derives it from its seed and the batch's token ids,
 * so a resumed run reproduces the noise of an uninterrupted one without extra state) and drops assignments beyond
 * the capacity factor's capacity. Every other forward pass (validation, scoring, generation, a distillation teacher)
 * is inference: no token is dropped (capacity 0, i.e. the largest expert load), padding is masked out of routing,
 * there is no jitter, the second expert is the second-best (no Gumbel noise), tokens queue in row order, and the
 * load-balancing coefficient is 0 so {@code loss} is the cross-entropy. A token's output then does not depend on the
 * other sequences of its batch, nor on the batch size.
 */
public final class MoeInputs {
    private MoeInputs() {
    }

    /**
     * Adds the MoE placeholders for {@code tokens} = B·T tokens, none of them padding, to {@code ph}; no-op for a
     * dense model.
     */
    public static void add(Map<String, INDArray> ph, ModelConfig cfg, DataType dt, int tokens, boolean training,
                           long noiseKey) {
        double[] real = new double[tokens];
        Arrays.fill(real, 1);
        add(ph, cfg, dt, real, training, noiseKey);
    }

    /**
     * Adds inference-mode MoE placeholders for a {@code [B, T]} batch whose row b holds {@code lengths[b]} real tokens
     * followed by padding; no-op for a dense model.
     */
    public static void addInference(Map<String, INDArray> ph, ModelConfig cfg, DataType dt, int[] lengths, int t) {
        double[] real = new double[lengths.length * t]; // [B·T] row-major
        for (int b = 0; b < lengths.length; b++) {
            Arrays.fill(real, b * t, b * t + lengths[b], 1);
        }
        add(ph, cfg, dt, real, false, 0);
    }

    /** {@code real}: the token mask {@code [N]} (1 = real token, 0 = padding). */
    private static void add(Map<String, INDArray> ph, ModelConfig cfg, DataType dt, double[] real, boolean training,
                            long noiseKey) {
        MoeConfig moe = cfg.moe();
        if (moe == null) {
            return;
        }
        int tokens = real.length;
        ph.put(MoeNames.AUX_COEF, Nd4j.createFromArray(new double[]{training ? moe.auxLossCoef() : 0}).castTo(dt));
        ph.put(MoeNames.TOKEN_MASK, Nd4j.createFromArray(real).castTo(dt));
        for (int i : cfg.moeLayers()) {
            int e = cfg.expertsAt(i);
            SplittableRandom rng = new SplittableRandom(noiseKey * 0x9E3779B97F4A7C15L + i);
            if (moe.dropTokens()) {
                // 0 = no dropping: C becomes the largest expert load of the batch's real tokens
                int c = training ? capacity(tokens, e, moe.topK(), moe.capacityFactor(), moe.minCapacity()) : 0;
                ph.put(MoeNames.capacity(i), Nd4j.createFromArray(new int[]{c}));
            }
            if (moe.randomTokenSelection()) {
                // with nothing dropped, the queue order decides only where a token sits in its expert's buffer
                ph.put(MoeNames.tokenOrder(i), Nd4j.createFromArray(training ? permutation(tokens, rng)
                        : identity(tokens)));
            }
            if (moe.topK() == 2) {
                double[][] g = new double[tokens][e];
                if (training) {
                    for (double[] row : g) {
                        for (int j = 0; j < e; j++) {
                            row[j] = -Math.log(-Math.log(uniformOpen(rng))); // Gumbel(0, 1)
                        }
                    }
                }
                ph.put(MoeNames.gumbel(i), Nd4j.createFromArray(g).castTo(dt));
            }
            if (moe.jitter() > 0) {
                double[][] j = new double[tokens][cfg.dim()];
                for (double[] row : j) {
                    for (int c = 0; c < row.length; c++) {
                        row[c] = training ? 1 - moe.jitter() + 2 * moe.jitter() * rng.nextDouble() : 1;
                    }
                }
                ph.put(MoeNames.jitter(i), Nd4j.createFromArray(j).castTo(dt));
            }
        }
    }

    /**
     * DeepSpeed's {@code _capacity}: ceil(k · tokens / experts · factor), at least {@code minCapacity}; capped at
     * the token count (no expert can receive more) so short batches do not pay for empty slots.
     */
    public static int capacity(int tokens, int experts, int topK, double factor, int minCapacity) {
        int c = (int) Math.ceil(topK * factor * tokens / experts);
        return Math.max(1, Math.min(Math.max(c, minCapacity), tokens));
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int j = 0; j < n; j++) {
            p[j] = j;
        }
        return p;
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = identity(n);
        for (int j = n - 1; j > 0; j--) { // Fisher–Yates
            int r = rng.nextInt(j + 1);
            int t = p[j];
            p[j] = p[r];
            p[r] = t;
        }
        return p;
    }

    private static double uniformOpen(SplittableRandom rng) {
        double u;
        do {
            u = rng.nextDouble();
        } while (u == 0);
        return u;
    }
}
