package dev.sinter.framework.samediff;

import java.util.List;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The kernels of {@link GroupedLinearOp} and its gradients: one ND4J 2-D product per row block, written into views of
 * the outputs (row blocks of a C-order array are contiguous, so the products read and write them in place).
 */
final class GroupedProducts {
    private static final MMulTranspose NONE = MMulTranspose.builder().build();
    private static final MMulTranspose B_TRANSPOSED = MMulTranspose.builder().transposeB(true).build();
    private static final MMulTranspose A_TRANSPOSED = MMulTranspose.builder().transposeA(true).build();

    private GroupedProducts() {
    }

    /** {@code y_g = x_g · W_gᵀ}: x {@code [G·C, in]}, {@code W_g [out, in]}, y {@code [G·C, out]}. */
    static void forward(INDArray x, List<INDArray> weights, INDArray y) {
        int groups = weights.size();
        long c = blockRows(x, groups);
        for (int g = 0; g < groups; g++) {
            Nd4j.exec(new Mmul(block(x, g, c), weights.get(g), block(y, g, c), B_TRANSPOSED));
        }
    }

    /** {@code dx_g = dy_g · W_g}: dy {@code [G·C, out]}, dx {@code [G·C, in]}. */
    static void inputGradient(INDArray dy, List<INDArray> weights, INDArray dx) {
        int groups = weights.size();
        long c = blockRows(dy, groups);
        for (int g = 0; g < groups; g++) {
            Nd4j.exec(new Mmul(block(dy, g, c), weights.get(g), block(dx, g, c), NONE));
        }
    }

    /** {@code dW_g = dy_gᵀ · x_g}: {@code [out, in]} each. */
    static void weightGradients(INDArray x, INDArray dy, List<INDArray> dWeights) {
        int groups = dWeights.size();
        long c = blockRows(x, groups);
        for (int g = 0; g < groups; g++) {
            Nd4j.exec(new Mmul(block(dy, g, c), block(x, g, c), dWeights.get(g), A_TRANSPOSED));
        }
    }

    /** C, after checking that the rows of a C-order matrix split into G blocks. */
    private static long blockRows(INDArray a, int groups) {
        if (a.rank() != 2 || a.ordering() != 'c' || a.size(0) % groups != 0) {
            throw new IllegalArgumentException("grouped products take a C-order [G·C, n] matrix with G = " + groups
                    + ", got " + a.shapeInfoToString());
        }
        return a.size(0) / groups;
    }

    /** Rows {@code [g·C, (g+1)·C)}, a view. */
    private static INDArray block(INDArray a, int g, long c) {
        return a.get(NDArrayIndex.interval(g * c, (g + 1) * c), NDArrayIndex.all());
    }
}
