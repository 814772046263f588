package dev.sinter.encoders.continual;

import java.util.List;

/**
 * The standard continual-learning summaries of an accuracy matrix {@code a} (row i: after learning task i; column j:
 * accuracy on task j's test split, j ≤ i, so row i has i + 1 entries). With T rows:
 * <ul>
 *   <li>final average accuracy: mean over j of a[T-1][j];</li>
 *   <li>average forgetting: mean over the old tasks j &lt; T-1 of max over i in [j, T-2] of a[i][j] − a[T-1][j];</li>
 *   <li>backward transfer (BWT): mean over j &lt; T-1 of a[T-1][j] − a[j][j] (negative = forgetting);</li>
 * </ul>
 * forgetting and BWT are undefined (NaN) after a single task.
 */
public final class ContinualMetrics {
    private ContinualMetrics() {
    }

    /** Mean accuracy over every task after the last row. */
    public static double finalAverageAccuracy(List<double[]> a) {
        double[] last = last(a);
        double sum = 0;
        for (double v : last) {
            sum += v;
        }
        return sum / last.length;
    }

    /** Mean over old tasks of their best earlier accuracy minus their final accuracy. */
    public static double averageForgetting(List<double[]> a) {
        int t = a.size();
        if (t < 2) {
            return Double.NaN;
        }
        double sum = 0;
        for (int j = 0; j < t - 1; j++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int i = j; i < t - 1; i++) {
                best = Math.max(best, a.get(i)[j]);
            }
            sum += best - a.get(t - 1)[j];
        }
        return sum / (t - 1);
    }

    /** Mean over old tasks of their final accuracy minus the accuracy just after learning them. */
    public static double backwardTransfer(List<double[]> a) {
        int t = a.size();
        if (t < 2) {
            return Double.NaN;
        }
        double sum = 0;
        for (int j = 0; j < t - 1; j++) {
            sum += a.get(t - 1)[j] - a.get(j)[j];
        }
        return sum / (t - 1);
    }

    /** The fraction of {@code predicted} equal to {@code gold} (position by position). */
    public static double accuracy(int[] predicted, int[] gold) {
        if (predicted.length != gold.length || gold.length == 0) {
            throw new IllegalArgumentException("accuracy needs as many predictions as gold labels (> 0), got "
                    + predicted.length + " and " + gold.length);
        }
        int right = 0;
        for (int i = 0; i < gold.length; i++) {
            right += predicted[i] == gold[i] ? 1 : 0;
        }
        return (double) right / gold.length;
    }

    private static double[] last(List<double[]> a) {
        if (a.isEmpty()) {
            throw new IllegalArgumentException("the accuracy matrix has no rows yet");
        }
        double[] last = a.get(a.size() - 1);
        if (last.length != a.size()) {
            throw new IllegalArgumentException("row " + (a.size() - 1) + " of the accuracy matrix must have "
                    + a.size() + " entries, got " + last.length);
        }
        return last;
    }
}
