package dev.sinter.models.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The Vector API kernels: products of several vectors against one-vector products, and their exp. */
class VectorKernelsTest {
    /**
     * matMat's blocked paths (pairs of row blocks, a last odd block, groups of four vectors, the rest one by one) give
     * every row of y bit for bit as matVec, for widths with and without remainders.
     */
    @Test
    void matMatRowsEqualMatVecBitForBit() {
        VectorKernels k = new VectorKernels();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        for (int rows : new int[]{1, lanes, 2 * lanes + 3, 5 * lanes}) {
            for (int cols : new int[]{1, 7, 64}) {
                for (int m : new int[]{1, 4, 9}) {
                    float[] w = new float[rows * cols];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = (float) rng.nextGaussian();
                    }
                    float[] packed = k.pack(w, rows, cols);
                    int xStride = cols + 3;
                    int yStride = k.padded(rows) + lanes;
                    float[] x = new float[m * xStride];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) rng.nextGaussian();
                    }
                    float[] y = new float[m * yStride];
                    k.matMat(packed, rows, cols, x, xStride, m, y, yStride);
                    float[] one = new float[k.padded(rows)];
                    for (int j = 0; j < m; j++) {
                        k.matVec(packed, rows, cols, x, j * xStride, one, 0);
                        for (int r = 0; r < rows; r++) {
                            assertEquals(one[r], y[j * yStride + r], 0f, rows + "x" + cols + ", m " + m + ", row "
                                    + j + "/" + r);
                        }
                    }
                }
            }
        }
    }

    @Test
    void expIsWithinTwoUlpOfMathExpAcrossTheFloatRange() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] x = new float[lanes];
        float[] e = new float[lanes];
        double worstUlps = 0;
        for (float start = -87f; start < 88f; start += lanes * 0.00731f) {
            for (int i = 0; i < lanes; i++) {
                x[i] = start + i * 0.00731f;
            }
            VectorKernels.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(e, 0);
            for (int i = 0; i < lanes; i++) {
                float want = (float) Math.exp(x[i]);
                worstUlps = Math.max(worstUlps, Math.abs(e[i] - want) / Math.ulp(want));
            }
        }
        assertTrue(worstUlps <= 2, "worst error " + worstUlps + " ulp");
        // clamped ends: tiny and huge but finite, never NaN
        x[0] = -1000f;
        x[1] = 1000f;
        x[2] = 0f;
        VectorKernels.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(e, 0);
        assertTrue(e[0] >= 0 && e[0] < 1.3e-38f, "exp(-1000) = " + e[0]);
        assertTrue(Float.isFinite(e[1]) && e[1] > 1e38f, "exp(1000) = " + e[1]);
        assertEquals(1f, e[2]);
    }
}
