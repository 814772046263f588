package dev.sinter.encoders.continual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContinualMetricsTest {
    /** Rows after tasks 0, 1, 2. */
    static final List<double[]> MATRIX = List.of(
            new double[]{0.9},
            new double[]{0.6, 0.8},
            new double[]{0.7, 0.5, 0.9});

    @Test
    void finalAverageAccuracyIsTheMeanOfTheLastRow() {
        assertEquals((0.7 + 0.5 + 0.9) / 3, ContinualMetrics.finalAverageAccuracy(MATRIX), 1e-12);
    }

    @Test
    void forgettingTakesTheBestEarlierAccuracyOfEachOldTask() {
        // task 0: max(0.9, 0.6) - 0.7 = 0.2; task 1: 0.8 - 0.5 = 0.3
        assertEquals((0.2 + 0.3) / 2, ContinualMetrics.averageForgetting(MATRIX), 1e-12);
    }

    @Test
    void backwardTransferComparesWithTheAccuracyJustAfterLearning() {
        // task 0: 0.7 - 0.9 = -0.2; task 1: 0.5 - 0.8 = -0.3
        assertEquals((-0.2 - 0.3) / 2, ContinualMetrics.backwardTransfer(MATRIX), 1e-12);
    }

    @Test
    void anImprovedOldTaskGivesNegativeForgettingAndPositiveTransfer() {
        List<double[]> improving = List.of(new double[]{0.5}, new double[]{0.7, 0.6});
        assertEquals(-0.2, ContinualMetrics.averageForgetting(improving), 1e-12); // best earlier 0.5, final 0.7
        assertEquals(0.2, ContinualMetrics.backwardTransfer(improving), 1e-12);
    }

    @Test
    void oneTaskLeavesForgettingAndTransferUndefined() {
        List<double[]> one = List.<double[]>of(new double[]{0.4});
        assertTrue(Double.isNaN(ContinualMetrics.averageForgetting(one)));
        assertTrue(Double.isNaN(ContinualMetrics.backwardTransfer(one)));
        assertEquals(0.4, ContinualMetrics.finalAverageAccuracy(one), 1e-12);
    }

    @Test
    void accuracyCountsMatchesAndRejectsMismatchedLengths() {
        assertEquals(0.75, ContinualMetrics.accuracy(new int[]{1, 2, 3, 4}, new int[]{1, 2, 0, 4}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ContinualMetrics.accuracy(new int[]{1}, new int[]{1, 2}));
    }

    @Test
    void aRaggedLastRowIsRejected() {
        List<double[]> ragged = List.of(new double[]{0.9}, new double[]{0.5});
        assertThrows(IllegalArgumentException.class, () -> ContinualMetrics.finalAverageAccuracy(ragged));
    }
}
