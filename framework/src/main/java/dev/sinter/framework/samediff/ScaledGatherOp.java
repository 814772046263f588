package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A scaled row gather {@code out[m] = scale[m] · table[idx[m]]} as one fused Java op ({@link FusedKernels#scaledGather}),
 * with its gradients for the table and the scales as one more ({@link ScaledGatherGradientOp}); the indices have none.
 * A mixture of experts combines with it: each token reads its expert's output row and multiplies it by its gate.
 * Composed, the same is a gather, a per-row scaling (an outer product and a product, see the models' {@code RowScale})
 * and, backward, a scatter-add into zeros, two products and the outer product's gradient.
 */
public class ScaledGatherOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public ScaledGatherOp() {
        super();
    }

    private ScaledGatherOp(SameDiff sd, SDVariable table, SDVariable idx, SDVariable scale) {
        super(sd, table, idx, scale);
    }

    /**
     * {@code [M, W]} rows of table {@code [R, W]} at integer indices {@code [M]}, times scales {@code [M]}; only when
     * {@link KernelExecutioner#active()}.
     */
    public static SDVariable gather(SameDiff sd, SDVariable table, SDVariable idx, SDVariable scale) {
        if (!KernelExecutioner.active()) {
            throw new IllegalStateException("ScaledGatherOp needs the Java kernel executioner (CPU backend)");
        }
        return new ScaledGatherOp(sd, table, idx, scale).outputVariable();
    }

    @Override
    public String opName() {
        return "sinter_scaled_gather";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected long[] outputShape(int output, List<INDArray> inputs) {
        return new long[]{inputs.get(1).length(), inputs.get(0).size(1)}; // [M, W]
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().scaledGather(inputs.get(0), inputs.get(1), inputs.get(2), outputs.get(0));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        List<SDVariable> grads = ScaledGatherGradientOp.gradients(sameDiff, arg(0), arg(1), arg(2), gradOut.get(0));
        return List.of(grads.get(0), sameDiff.zerosLike(arg(1)), grads.get(1));
    }
}
