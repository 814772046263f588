package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The gradient {@code y ⊙ (dy − Σ_row y ⊙ dy)} of a last-axis softmax from its output y, one fused Java op. */
public class SoftmaxGradientOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public SoftmaxGradientOp() {
        super();
    }

    private SoftmaxGradientOp(SameDiff sd, SDVariable y, SDVariable gradOut) {
        super(sd, y, gradOut);
    }

    /** The gradient of the softmax input for softmax output {@code y} and upstream gradient {@code gradOut}. */
    static SDVariable gradient(SameDiff sd, SDVariable y, SDVariable gradOut) {
        return new SoftmaxGradientOp(sd, y, gradOut).outputVariable();
    }

    @Override
    public String opName() {
        return "sinter_softmax_bp";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().softmaxBackward(inputs.get(0), inputs.get(1), outputs.get(0));
    }
}
