package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SwiGLU's activation {@code silu(gate) ⊙ up} as one fused Java op ({@link FusedKernels#swiGlu}), with its gradient
 * as one more ({@link SwiGluGradientOp}). Composed from SameDiff ops the same activation takes a sigmoid and two
 * products forward and about eight elementwise ops backward, each a pass over the {@code [N, hidden]} arrays; fused,
 * one pass each way.
 */
public class SwiGluOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public SwiGluOp() {
        super();
    }

    private SwiGluOp(SameDiff sd, SDVariable gate, SDVariable up) {
        super(sd, gate, up);
    }

    /**
     * {@code silu(gate) ⊙ up} for same-shaped gate and up ({@code [N, hidden]}): this fused op when
     * {@link KernelExecutioner#active()}, else the composed form with {@link SigmoidWithComposedGradient}.
     */
    public static SDVariable swiGlu(SameDiff sd, SDVariable gate, SDVariable up) {
        return KernelExecutioner.active() ? new SwiGluOp(sd, gate, up).outputVariable()
                : SigmoidWithComposedGradient.silu(sd, gate).mul(up);
    }

    @Override
    public String opName() {
        return "sinter_swiglu";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().swiGlu(inputs.get(0), inputs.get(1), outputs.get(0));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        return SwiGluGradientOp.gradients(sameDiff, arg(0), arg(1), gradOut.get(0));
    }
}
