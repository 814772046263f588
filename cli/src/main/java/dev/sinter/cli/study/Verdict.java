package dev.sinter.cli.study;

import java.util.Arrays;

/**
 * How our numbers over seeds answer a claim. The rule works on the per-seed margin {@code m_s} of the claim's
 * comparison ({@link ClaimExpression#margin}: positive when it holds; for {@code A < B} it is {@code B − A}), with
 * mean {@code m̄} and sample standard deviation {@code sd} over the seeds (0 for one seed):
 * <ul>
 *   <li>{@link #REPRODUCED} when the comparison holds for the mean margin and for every seed;</li>
 *   <li>{@link #CONTRADICTED} when the opposite holds for the mean beyond one standard deviation: {@code m̄ + sd < 0};</li>
 *   <li>{@link #NOT_AT_THIS_SCALE} otherwise: the seeds disagree, or the mean is against the claim by less than
 *       their spread.</li>
 * </ul>
 */
public enum Verdict {
    REPRODUCED("reproduced"),
    NOT_AT_THIS_SCALE("not at this scale"),
    CONTRADICTED("contradicted");

    /** The rule, as the study report states it. */
    public static final String RULE = "Per seed, the margin is how far the comparison holds (for A < B: B − A). "
            + "reproduced: the comparison holds for the mean margin and for every seed; contradicted: the opposite"
            + " holds for the mean beyond one standard deviation over seeds (mean + sd < 0); otherwise not at this"
            + " scale.";

    private final String label;

    Verdict(String label) {
        this.label = label;
    }

    /** The verdict as the report writes it. */
    public String label() {
        return label;
    }

    /** The verdict for these per-seed margins of {@code claim}'s comparison. */
    public static Verdict of(ClaimExpression claim, double[] margins) {
        if (margins.length == 0) {
            throw new IllegalArgumentException("a verdict needs at least one seed's margin");
        }
        double mean = mean(margins);
        if (claim.holds(mean) && Arrays.stream(margins).allMatch(claim::holds)) {
            return REPRODUCED;
        }
        return mean + std(margins) < 0 ? CONTRADICTED : NOT_AT_THIS_SCALE;
    }

    static double mean(double[] xs) {
        return Arrays.stream(xs).average().orElseThrow();
    }

    /** Sample standard deviation (n − 1); 0 for a single value. */
    static double std(double[] xs) {
        if (xs.length < 2) {
            return 0;
        }
        double m = mean(xs);
        return Math.sqrt(Arrays.stream(xs).map(x -> (x - m) * (x - m)).sum() / (xs.length - 1));
    }
}
