package dev.sinter.models.moe;

import dev.sinter.framework.config.ModelConfig;
import dev.sinter.framework.config.MoeConfig;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-batch placeholders of MoE layers: capacity, RTS token order, Gumbel and jitter noise, and the
 * load-balancing coefficient.
 *
 * <p>Training draws its noise from {@code noiseKey} (the model derives it from its seed and the batch's token ids,
 * so a resumed run reproduces the noise of an uninterrupted one without extra state). Evaluation is deterministic:
 * the eval capacity factor, no jitter, the second expert is the second-best (no Gumbel noise), the RTS order is a
 * fixed permutation, and the load-balancing coefficient is 0 so {@code loss} is the cross-entropy.
 */
public final class MoeInputs {
    private static final long EVAL_KEY = 0x5EED_0F_E7A1L;

    private MoeInputs() {
    }

    /** Adds the MoE placeholders for {@code tokens} = B·T tokens to {@code ph}; no-op for a dense model. */
    public static void add(Map<String, org.nd4j.linalg.api.ndarray.INDArray> ph, ModelConfig cfg, DataType dt,
                           int tokens, boolean training, long noiseKey) {
        MoeConfig moe = cfg.moe();
        if (moe == null) {
            return;
        }
        ph.put(MoeNames.AUX_COEF, Nd4j.createFromArray(new double[]{training ? moe.auxLossCoef() : 0}).castTo(dt));
        for (int i : cfg.moeLayers()) {
            int e = cfg.expertsAt(i);
            long key = (training ? noiseKey : EVAL_KEY + tokens) * 0x9E3779B97F4A7C15L + i;
            SplittableRandom rng = new SplittableRandom(key);
            if (moe.dropTokens()) {
                double factor = training ? moe.capacityFactor() : moe.evalCapacityFactor();
                ph.put(MoeNames.capacity(i), Nd4j.createFromArray(new int[]{capacity(tokens, e, moe.topK(), factor,
                        moe.minCapacity())}));
            }
            if (moe.useRts()) {
                ph.put(MoeNames.tokenOrder(i), Nd4j.createFromArray(permutation(tokens, rng)));
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
     * the token count (no expert can receive more) so short inference batches do not pay for empty slots.
     */
    public static int capacity(int tokens, int experts, int topK, double factor, int minCapacity) {
        int c = (int) Math.ceil(topK * factor * tokens / experts);
        return Math.max(1, Math.min(Math.max(c, minCapacity), tokens));
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int j = 0; j < n; j++) {
            p[j] = j;
        }
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
