package dev.sinter.cli.study;

import java.util.Arrays;

/**
 * How our numbers over seeds answer a claim. The rule works on the per-seed margin {@code m_s} of the claim's
 * comparison ({@link ClaimExpression#margin}: positive when it holds; for {@code A < B} it is {@code B − A}), with
 * mean {@code m̄} and sample standard deviation {@code sd} over the seeds (0 for one seed):
 * <ul>
 *   <li>{@link #NOT_AT_THIS_SCALE} first when the margins are a tie: {@code |m̄| + sd} within {@link #TIE_TOLERANCE}
 *       of the compared numbers' size (the mean over seeds of {@code max(|A|, |B|)}), so that identical seeds and a
 *       difference in the sixth digit are not read as a verdict either way;</li>
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

    /** Relative size of a margin (with its spread) below which the two sides are a tie. */
    public static final double TIE_TOLERANCE = 1e-4;

    /** The rule, as the study report states it. */
    public static final String RULE = "Per seed, the margin is how far the comparison holds (for A < B: B − A). "
            + "A tie (|mean margin| + sd within 1e-4 of max(|A|, |B|)) is not at this scale; otherwise "
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

    /**
     * The verdict for these per-seed margins of {@code claim}'s comparison; {@code scale} is the size of the compared
     * numbers (mean over seeds of {@code max(|A|, |B|)}), against which a tie is judged.
     */
    public static Verdict of(ClaimExpression claim, double[] margins, double scale) {
        if (margins.length == 0) {
            throw new IllegalArgumentException("a verdict needs at least one seed's margin");
        }
        double mean = mean(margins);
        if (Math.abs(mean) + std(margins) <= TIE_TOLERANCE * Math.abs(scale)) {
            return NOT_AT_THIS_SCALE;
        }
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
