package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * RMSNorm over the last axis, {@code x ⊙ w / √(mean(x²) + eps)} for x {@code [N, D]} and w {@code [D]}, as one fused
 * Java op ({@link FusedKernels#rmsNorm}), with its gradient as one more ({@link RmsNormGradientOp}). Composed from
 * SameDiff ops the norm takes six ops forward and about a dozen backward.
 */
public class RmsNormOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public RmsNormOp() {
        super();
    }

    private RmsNormOp(SameDiff sd, SDVariable x, SDVariable w, double eps) {
        super(sd, x, w);
        addTArgument(eps);
    }

    /** The fused RMSNorm of x {@code [N, D]} with weight w {@code [D]}; only if {@link KernelExecutioner#active()}. */
    public static SDVariable rmsNorm(SameDiff sd, SDVariable x, SDVariable w, double eps) {
        if (!KernelExecutioner.active()) {
            throw new IllegalStateException("RmsNormOp needs the Java kernel executioner (CPU backend)");
        }
        return new RmsNormOp(sd, x, w, eps).outputVariable();
    }

    @Override
    public String opName() {
        return "sinter_rms_norm";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().rmsNorm(inputs.get(0), inputs.get(1), getTArgument(0), outputs.get(0));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        return RmsNormGradientOp.gradients(sameDiff, arg(0), arg(1), gradOut.get(0), getTArgument(0));
    }
}
