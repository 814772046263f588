package dev.sinter.eval.metrics;

/** lm-evaluation-harness aggregations. */
public final class Metrics {
    private Metrics() {
    }

    /** Arithmetic mean; NaN for no values. */
    public static double mean(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    /** Sample standard deviation (n - 1 in the denominator); NaN for fewer than two values. */
    public static double sampleStddev(double[] xs) {
        if (xs.length < 2) {
            return Double.NaN;
        }
        double m = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (xs.length - 1));
    }

    /** lm-eval's {@code mean_stderr}: sample standard deviation / √n. */
    public static double meanStderr(double[] xs) {
        return sampleStddev(xs) / Math.sqrt(xs.length);
    }

    /** Index of the largest value, the first one on ties (numpy's argmax). */
    public static int argmax(double[] xs) {
        int best = 0;
        for (int i = 1; i < xs.length; i++) {
            if (xs[i] > xs[best]) {
                best = i;
            }
        }
        return best;
    }

    /** lm-eval's {@code perplexity} aggregation over per-item log-likelihoods: exp(-mean). */
    public static double perplexity(double[] logliks) {
        return Math.exp(-mean(logliks));
    }

    /** lm-eval's {@code weighted_perplexity}: exp(-Σ loglik / Σ weight), e.g. per word, token or byte. */
    public static double weightedPerplexity(double loglikSum, double weightSum) {
        return Math.exp(-loglikSum / weightSum);
    }

    /** lm-eval's {@code bits_per_byte}: -Σ loglik / (Σ bytes · ln 2). */
    public static double bitsPerByte(double loglikSum, double bytes) {
        return -loglikSum / (bytes * Math.log(2));
    }
}
