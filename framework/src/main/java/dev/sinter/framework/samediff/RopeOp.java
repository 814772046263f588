package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rotary position embedding {@code x ⊙ cos + swap(x) ⊙ sin} over the last axis as one fused Java op
 * ({@link FusedKernels#rope}; adjacent pairs or rotate-half, the integer argument), with its input gradient as one
 * more ({@link RopeGradientOp}). Composed, the same takes a product with a signed pair-swap matrix, two products and
 * an add forward, and backward their gradients, including ones for the cos/sin tables that nobody asks for but that
 * the shared add's gradient still computes.
 */
public class RopeOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public RopeOp() {
        super();
    }

    private RopeOp(SameDiff sd, SDVariable x, SDVariable cos, SDVariable sin, boolean adjacent) {
        super(sd, x, cos, sin);
        addIArgument(adjacent ? 1 : 0);
    }

    /**
     * x rotated by same-shaped tables {@code [.., hd]}: pairs {@code (2i, 2i+1)} when {@code adjacent}, else
     * {@code (j, j + hd/2)}; only when {@link KernelExecutioner#active()}.
     */
    public static SDVariable rotate(SameDiff sd, SDVariable x, SDVariable cos, SDVariable sin, boolean adjacent) {
        if (!KernelExecutioner.active()) {
            throw new IllegalStateException("RopeOp needs the Java kernel executioner (CPU backend)");
        }
        return new RopeOp(sd, x, cos, sin, adjacent).outputVariable();
    }

    @Override
    public String opName() {
        return "sinter_rope";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().rope(inputs.get(0), inputs.get(1), inputs.get(2), iArgs()[0] == 1, outputs.get(0));
    }

    /** The input's gradient; the tables get zeros (computed only if something asked for them). */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        return List.of(RopeGradientOp.gradient(sameDiff, gradOut.get(0), arg(1), arg(2), iArgs()[0] == 1),
                sameDiff.zerosLike(arg(1)), sameDiff.zerosLike(arg(2)));
    }
}
