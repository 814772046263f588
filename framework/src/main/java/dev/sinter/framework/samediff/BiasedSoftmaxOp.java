package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Attention's {@code softmax(scores + bias)} over the last axis as one fused Java op
 * ({@link FusedKernels#biasedSoftmax}), the bias (the causal and prompt mask) of the scores' shape, with the
 * gradient {@code y ⊙ (dy − Σ y ⊙ dy)} as one more ({@link SoftmaxGradientOp}). Composed, the same takes an add,
 * libnd4j's softmax, and four elementwise ops and a broadcasting add gradient backward.
 */
public class BiasedSoftmaxOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public BiasedSoftmaxOp() {
        super();
    }

    private BiasedSoftmaxOp(SameDiff sd, SDVariable scores, SDVariable bias) {
        super(sd, scores, bias);
    }

    /**
     * {@code softmax(scores + bias)} over the last axis, {@code lastAxis} (positive), for same-shaped scores and bias:
     * this fused op when {@link KernelExecutioner#active()}, else composed (with
     * {@link SoftmaxWithComposedGradient}'s gradient). The bias gets the scores' gradient, which is its own only
     * because the two have one shape.
     */
    public static SDVariable softmax(SameDiff sd, SDVariable scores, SDVariable bias, int lastAxis) {
        return KernelExecutioner.active() ? new BiasedSoftmaxOp(sd, scores, bias).outputVariable()
                : sd.nn().softmax(scores.add(bias), lastAxis);
    }

    @Override
    public String opName() {
        return "sinter_biased_softmax";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().biasedSoftmax(inputs.get(0), inputs.get(1), outputs.get(0));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        SDVariable ds = SoftmaxGradientOp.gradient(sameDiff, outputVariable(), gradOut.get(0));
        return List.of(ds, ds);
    }
}
