package dev.sinter.eval.quant;

import dev.sinter.framework.config.UsageException;

/**
 * Asymmetric round-to-nearest (papers.md §1.7, the code's convention): {@code Δ = (max − min)/(2^b − 1)},
 * {@code q = round((w − min)/Δ)} in {@code [0, 2^b − 1]}, dequantized {@code Δ·q + min}; so every value in the
 * block comes back within Δ/2. Optional clipping first clamps the block to {@code [−τ, τ]} with
 * {@code τ = mean|w| + z·std|w|} (std with n − 1, as torch).
 */
public final class Rtn {
    private Rtn() {
    }

    /** The clipping threshold τ of a block (z-score on |w|). */
    public static double zThreshold(double[] w, int from, int to, double z) {
        int n = to - from;
        double mean = 0;
        for (int i = from; i < to; i++) {
            mean += Math.abs(w[i]);
        }
        mean /= n;
        double var = 0;
        for (int i = from; i < to; i++) {
            double d = Math.abs(w[i]) - mean;
            var += d * d;
        }
        double std = n > 1 ? Math.sqrt(var / (n - 1)) : 0;
        return mean + z * std;
    }

    /**
     * Quantizes and dequantizes {@code w[from, to)} in place with {@code bits} bits; when {@code z} is not NaN the
     * block is first clamped to [−τ, τ]. Returns how many values were clipped.
     */
    public static int roundTrip(double[] w, int from, int to, int bits, double z) {
        if (bits < 1 || bits > 16) {
            throw new UsageException("bits must be in 1..16, got " + bits);
        }
        int clipped = 0;
        if (!Double.isNaN(z)) {
            double tau = zThreshold(w, from, to, z);
            for (int i = from; i < to; i++) {
                if (Math.abs(w[i]) > tau) {
                    w[i] = Math.copySign(tau, w[i]);
                    clipped++;
                }
            }
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            min = Math.min(min, w[i]);
            max = Math.max(max, w[i]);
        }
        double levels = (1 << bits) - 1;
        double delta = (max - min) / levels;
        if (delta == 0) {
            return clipped;
        }
        for (int i = from; i < to; i++) {
            double q = Math.min(levels, Math.max(0, Math.floor((w[i] - min) / delta + 0.5)));
            w[i] = delta * q + min;
        }
        return clipped;
    }

    /** The step Δ of a block (after any clipping the caller applied). */
    public static double step(double[] w, int from, int to, int bits) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            min = Math.min(min, w[i]);
            max = Math.max(max, w[i]);
        }
        return (max - min) / ((1 << bits) - 1);
    }
}
