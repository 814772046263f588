package dev.sinter.trainers.lw2g;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FeatureSubspaceTest {
    private static final int D = 5;

    /** Columns {@code scale_i · e_{axis_i}} in R^5. */
    private static INDArray features(double[] scales, int[] axes) {
        INDArray r = Nd4j.zeros(DataType.DOUBLE, D, scales.length);
        for (int i = 0; i < scales.length; i++) {
            r.putScalar(axes[i], i, scales[i]);
        }
        return r;
    }

    /** |column c of the basis| equals the unit vector e_axis up to sign. */
    private static void assertAxis(INDArray basis, int c, int axis) {
        for (int d = 0; d < D; d++) {
            assertEquals(d == axis ? 1 : 0, Math.abs(basis.getDouble(d, c)), 1e-9, "column " + c + " row " + d);
        }
    }

    @Test
    void energyThresholdPicksTheRankByTheAuthorsRule() {
        // R·Rᵀ = diag(9, 4, 1): energies 81, 16, 1 of 98 → cumulative 0.827, 0.990, 1.0
        INDArray r = features(new double[] {3, 2, 1}, new int[] {0, 1, 2});
        assertEquals(1, FeatureSubspace.fromFeatures(r, 0.95).rank()); // only 0.827 is strictly below 0.95
        assertEquals(2, FeatureSubspace.fromFeatures(r, 1.0).rank()); // the last direction never enters a first basis
        FeatureSubspace two = FeatureSubspace.fromFeatures(r, 0.995);
        assertEquals(2, two.rank());
        assertAxis(two.basis(), 0, 0);
        assertAxis(two.basis(), 1, 1);
    }

    @Test
    void updateAddsTheMissingDirectionsUntilTheThreshold() {
        FeatureSubspace first = FeatureSubspace.fromFeatures(features(new double[] {3, 2, 1}, new int[] {0, 1, 2}), 0.95);
        // new Gram diag(1, 4, 0, 1): total 18; outside e0 it is diag(0, 4, 0, 1) → explained 1/18, then +16/18, +1/18
        INDArray next = features(new double[] {1, 2, 1}, new int[] {0, 1, 3});
        FeatureSubspace grown = first.update(next, 0.95);
        assertEquals(3, grown.rank());
        assertAxis(grown.basis(), 0, 0);
        assertAxis(grown.basis(), 1, 1);
        assertAxis(grown.basis(), 2, 3);
        FeatureSubspace lower = first.update(next, 0.9); // 1/18 + 16/18 = 0.944 >= 0.9 after one direction
        assertEquals(2, lower.rank());
        assertAxis(lower.basis(), 1, 1);
        assertEquals(1, first.update(features(new double[] {5}, new int[] {0}), 0.95).rank()); // nothing new
    }

    @Test
    void projectedGradientIsOrthogonalToTheBasis() {
        Nd4j.getRandom().setSeed(7);
        INDArray r = Nd4j.randn(DataType.DOUBLE, D, 3);
        FeatureSubspace s = FeatureSubspace.fromFeatures(r, 1.0);
        INDArray g = Nd4j.randn(DataType.DOUBLE, 4, D);
        INDArray kept = s.removeFrom(g, 1.0);
        INDArray overlap = kept.mmul(s.basis()); // [4, r]
        assertEquals(0, overlap.norm2Number().doubleValue(), 1e-10);
        // the removed part lies in the span of the features: projecting it again changes nothing
        INDArray removed = g.sub(kept);
        assertEquals(0, s.project(removed).sub(removed).norm2Number().doubleValue(), 1e-10);
        // soft constraint: g − 0.1·proj
        assertEquals(0, s.removeFrom(g, 0.1).sub(g.sub(s.project(g).mul(0.1))).norm2Number().doubleValue(), 1e-12);
    }

    @Test
    void meanCosineIsOneInsideZeroOrthogonalAndHandComputedBetween() {
        FeatureSubspace s = FeatureSubspace.ofBasis(features(new double[] {1, 1}, new int[] {0, 1})); // span(e0, e1)
        INDArray inside = Nd4j.createFromArray(new double[][] {{1, 2, 0, 0, 0}});
        INDArray outside = Nd4j.createFromArray(new double[][] {{0, 0, 1, 0, 0}});
        INDArray between = Nd4j.createFromArray(new double[][] {{1, 0, 1, 0, 0}}); // 45°
        assertEquals(1, s.meanCosine(inside), 1e-12);
        assertEquals(0, s.meanCosine(outside), 1e-12);
        assertEquals(Math.sqrt(0.5), s.meanCosine(between), 1e-12);
        assertEquals((1 + Math.sqrt(0.5)) / 2, s.meanCosine(Nd4j.vstack(inside, between)), 1e-12);
    }

    @Test
    void wideFeatureSpacesAreDecomposedToo() {
        // D = 48 (M2.1's svd op fails above 16 rows); known energies
        int dim = 48;
        INDArray r = Nd4j.zeros(DataType.DOUBLE, dim, dim);
        double total = 0;
        for (int i = 0; i < dim; i++) {
            r.putScalar(i, i, Math.pow(0.9, i)); // energy of axis i: 0.9^(4i)
            total += Math.pow(0.9, 4 * i);
        }
        int expected = 0;
        double cumulative = 0;
        for (int i = 0; i < dim && (cumulative += Math.pow(0.9, 4 * i) / total) < 0.95; i++) {
            expected++;
        }
        FeatureSubspace s = FeatureSubspace.fromFeatures(r, 0.95);
        assertEquals(expected, s.rank());
        INDArray u = s.basis();
        assertEquals(0.0, u.transpose().mmul(u).sub(Nd4j.eye(expected).castTo(DataType.DOUBLE))
                .amaxNumber().doubleValue(), 1e-9, "orthonormal columns");
        for (int c = 0; c < expected; c++) {
            assertEquals(1.0, Math.abs(u.getDouble(c, c)), 1e-9, "column " + c + " is axis " + c);
        }
        // all-MiniLM's width: 100 random features span at most 100 of the 384 directions
        FeatureSubspace wide = FeatureSubspace.fromFeatures(Nd4j.randn(DataType.DOUBLE, 384, 100), 0.95);
        assertEquals(true, wide.rank() > 1 && wide.rank() < 100, "rank " + wide.rank());
        INDArray w = wide.basis();
        assertEquals(0.0, w.transpose().mmul(w).sub(Nd4j.eye(wide.rank()).castTo(DataType.DOUBLE))
                .amaxNumber().doubleValue(), 1e-9, "orthonormal columns at D = 384");
    }

    @Test
    void badInputIsRejected() {
        FeatureSubspace s = FeatureSubspace.empty(D);
        assertThrows(IllegalArgumentException.class, () -> s.update(Nd4j.ones(DataType.DOUBLE, D, 2), 0));
        assertThrows(IllegalArgumentException.class, () -> s.update(Nd4j.ones(DataType.DOUBLE, D, 2), 1.5));
        assertThrows(IllegalArgumentException.class, () -> s.update(Nd4j.ones(DataType.DOUBLE, D + 1, 2), 0.9));
    }
}
