package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The input gradient of {@link RopeOp}, {@code dy ⊙ cos − swap(dy ⊙ sin)}, one fused Java op. */
public class RopeGradientOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public RopeGradientOp() {
        super();
    }

    private RopeGradientOp(SameDiff sd, SDVariable gradOut, SDVariable cos, SDVariable sin, boolean adjacent) {
        super(sd, gradOut, cos, sin);
        addIArgument(adjacent ? 1 : 0);
    }

    /** {@code dx} of the rotation for upstream {@code gradOut}, same shape as the tables. */
    static SDVariable gradient(SameDiff sd, SDVariable gradOut, SDVariable cos, SDVariable sin, boolean adjacent) {
        return new RopeGradientOp(sd, gradOut, cos, sin, adjacent).outputVariable();
    }

    @Override
    public String opName() {
        return "sinter_rope_bp";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().ropeBackward(inputs.get(0), inputs.get(1), inputs.get(2), iArgs()[0] == 1,
                outputs.get(0));
    }
}
