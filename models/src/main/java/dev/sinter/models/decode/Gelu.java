package dev.sinter.models.decode;

/**
 * Exact GELU, {@code 0.5·x·(1 + erf(x/√2))}, as the graph builds it, with erf evaluated in double to ~1e-13: the
 * Maclaurin series for |z| ≤ 3 and {@code 1 − erfc(z)} from Numerical Recipes' Chebyshev fit (relative error
 * < 1.2e-7 of erfc, which is below 2.3e-5 there) beyond.
 */
final class Gelu {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);

    private Gelu() {
    }

    static float apply(float x) {
        return (float) (0.5 * x * (1 + erf(x * INV_SQRT2)));
    }

    static double erf(double z) {
        double a = Math.abs(z);
        if (a > 3) {
            return Math.copySign(1 - erfc(a), z);
        }
        // erf z = 2/√π Σ_n (−1)^n z^(2n+1) / (n! (2n+1))
        double z2 = z * z;
        double term = z; // (−1)^n z^(2n+1) / n!
        double sum = z;
        for (int n = 1; n < 100; n++) {
            term *= -z2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    /** erfc for z ≥ 0 (Numerical Recipes, 2nd ed., §6.2 erfcc). */
    private static double erfc(double z) {
        double t = 1 / (1 + 0.5 * z);
        return t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
    }
}
