package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The gradients {@code [dx, dw]} of {@link RmsNormOp} for its upstream gradient, one fused Java op. */
public class RmsNormGradientOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public RmsNormGradientOp() {
        super();
    }

    private RmsNormGradientOp(SameDiff sd, SDVariable x, SDVariable w, SDVariable gradOut, double eps) {
        super(sd, x, w, gradOut);
        addTArgument(eps);
    }

    /** {@code [dx, dw]} of the RMSNorm of x with weight w and epsilon eps, for upstream gradient {@code gradOut}. */
    static List<SDVariable> gradients(SameDiff sd, SDVariable x, SDVariable w, SDVariable gradOut, double eps) {
        return List.of(new RmsNormGradientOp(sd, x, w, gradOut, eps).outputVariables());
    }

    @Override
    public String opName() {
        return "sinter_rms_norm_bp";
    }

    @Override
    protected int outputCount() {
        return 2;
    }

    @Override
    protected int shapeSource(int output) {
        return output; // dx like x, dw like w
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().rmsNormBackward(inputs.get(0), inputs.get(1), inputs.get(2), getTArgument(0),
                outputs.get(0), outputs.get(1));
    }
}
