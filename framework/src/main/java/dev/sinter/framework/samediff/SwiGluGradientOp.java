package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The gradients {@code [d gate, d up]} of {@link SwiGluOp} for its upstream gradient, one fused Java op. */
public class SwiGluGradientOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public SwiGluGradientOp() {
        super();
    }

    private SwiGluGradientOp(SameDiff sd, SDVariable gate, SDVariable up, SDVariable gradOut) {
        super(sd, gate, up, gradOut);
    }

    /** {@code [d gate, d up]} of {@code silu(gate) ⊙ up} for upstream gradient {@code gradOut}. */
    static List<SDVariable> gradients(SameDiff sd, SDVariable gate, SDVariable up, SDVariable gradOut) {
        return List.of(new SwiGluGradientOp(sd, gate, up, gradOut).outputVariables());
    }

    @Override
    public String opName() {
        return "sinter_swiglu_bp";
    }

    @Override
    protected int outputCount() {
        return 2;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().swiGluBackward(inputs.get(0), inputs.get(1), inputs.get(2), outputs.get(0),
                outputs.get(1));
    }
}
