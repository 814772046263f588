package dev.sinter.trainers.lw2g;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * LW2G's decision for a new task (papers.md §4.1, the authors' {@code dec_with_memory_dualprompt}): for every existing
 * prompt set k, θ_k is the angle (degrees) whose cosine is the mean cosine between the new task's prompt gradient rows
 * and their projections onto S_k (averaged over prompt layers and batches); ε is the same angle against the
 * pre-trained subspace S_pre. A gradient nearly orthogonal to S_k (large θ_k) loses little to the projection that
 * reusing k requires, so when max_k θ_k &gt; ε the set with the largest angle is reused, otherwise a new set grows.
 *
 * @param angles      θ_k in degrees per existing set
 * @param epsilon     ε in degrees
 * @param reuse       true: train set {@link #set()} again under projection; false: grow a new set
 * @param set         the reused set, or -1 when growing
 */
public record GrowthDecision(SortedMap<Integer, Double> angles, double epsilon, boolean reuse, int set) {

    public GrowthDecision {
        angles = new TreeMap<>(angles);
    }

    /**
     * Decides from the mean cosines: {@code cosineToSet} per existing set k (to S_k) and {@code cosineToPretrained}
     * (to S_pre). The authors take ε from the last set's pass ({@code angle_epsilon} is overwritten in their loop over
     * the sets); the S_pre cosine differs between the sets' passes only through the active prompts.
     */
    public static GrowthDecision decide(Map<Integer, Double> cosineToSet, double cosineToPretrained) {
        if (cosineToSet.isEmpty()) {
            throw new IllegalArgumentException("LW2G's decision needs at least one existing prompt set");
        }
        SortedMap<Integer, Double> angles = new TreeMap<>();
        cosineToSet.forEach((k, c) -> angles.put(k, degrees(c)));
        double epsilon = degrees(cosineToPretrained);
        Map.Entry<Integer, Double> widest = angles.entrySet().stream()
                .max(Map.Entry.<Integer, Double>comparingByValue().thenComparing(Map.Entry.comparingByKey(
                        java.util.Comparator.reverseOrder())))
                .orElseThrow();
        boolean reuse = widest.getValue() > epsilon;
        return new GrowthDecision(angles, epsilon, reuse, reuse ? widest.getKey() : -1);
    }

    /** acos in degrees of a mean cosine, clamped to [0, 1] against rounding. */
    static double degrees(double cosine) {
        return Math.toDegrees(Math.acos(Math.max(0, Math.min(1, cosine))));
    }
}
