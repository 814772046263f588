package dev.sinter.models.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The Vector API kernels: products of several vectors against one-vector products. */
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
}
