package dev.sinter.models.transformer;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-row scaling of {@code [N, D]} activations without a broadcasting multiply.
 *
 * <p>In SameDiff 1.0.0-M2.1 the gradient of a broadcasting {@code multiply} is 30-80× slower than that of a
 * same-shape one (measured: 9.5 ms against 0.3 ms for [2048, 256] × [256]). So a factor {@code s [N, 1]} is first
 * spread to {@code [N, D]} by a rank-1 matmul with a row of ones (an outer product, whose gradient is one thin gemm)
 * and then applied with a same-shape product.
 */
public final class RowScale {
    private RowScale() {
    }

    /** {@code x ⊙ (s ⊗ 1)}: row n of x {@code [N, D]} times {@code s[n]}, for s {@code [N, 1]}. */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable s, int d) {
        return x.mul(sd.mmul(s, onesRow(sd, x, d)));
    }

    /** A graph-wide constant {@code [1, D]} of ones in x's data type. */
    static SDVariable onesRow(SameDiff sd, SDVariable x, int d) {
        String name = "ones_row_" + d + "_" + x.dataType();
        return sd.hasVariable(name) ? sd.getVariable(name) : sd.constant(name, Nd4j.ones(x.dataType(), 1, d));
    }
}
