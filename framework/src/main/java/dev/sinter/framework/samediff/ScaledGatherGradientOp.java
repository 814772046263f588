package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The gradients {@code [d table, d scale]} of {@link ScaledGatherOp} for its upstream gradient, one fused Java op. */
public class ScaledGatherGradientOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public ScaledGatherGradientOp() {
        super();
    }

    private ScaledGatherGradientOp(SameDiff sd, SDVariable table, SDVariable idx, SDVariable scale,
                                   SDVariable gradOut) {
        super(sd, table, idx, scale, gradOut);
    }

    /** {@code [d table, d scale]} of {@code scale[m] · table[idx[m]]} for upstream {@code gradOut [M, W]}. */
    static List<SDVariable> gradients(SameDiff sd, SDVariable table, SDVariable idx, SDVariable scale,
                                      SDVariable gradOut) {
        return List.of(new ScaledGatherGradientOp(sd, table, idx, scale, gradOut).outputVariables());
    }

    @Override
    public String opName() {
        return "sinter_scaled_gather_bp";
    }

    @Override
    protected int outputCount() {
        return 2;
    }

    /** d table has the table's shape, d scale the scales'. */
    @Override
    protected int shapeSource(int output) {
        return output == 0 ? 0 : 2;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().scaledGatherBackward(inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3),
                outputs.get(0), outputs.get(1));
    }
}
