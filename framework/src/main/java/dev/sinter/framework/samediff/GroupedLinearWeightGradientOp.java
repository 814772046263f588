package dev.sinter.framework.samediff;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The weight gradients of {@link GroupedLinearOp}: {@code dW_g = dy_gᵀ · x_g}, G outputs {@code [out, in]}, one op
 * (the number of groups is its integer argument).
 */
public class GroupedLinearWeightGradientOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public GroupedLinearWeightGradientOp() {
        super();
    }

    private GroupedLinearWeightGradientOp(SameDiff sd, SDVariable x, SDVariable dy, int groups) {
        super(sd, x, dy);
        addIArgument(groups);
    }

    /** The G weight gradients for input {@code x [G·C, in]} and upstream {@code dy [G·C, out]}. */
    static List<SDVariable> gradients(SameDiff sd, SDVariable x, SDVariable dy, int groups) {
        return List.of(new GroupedLinearWeightGradientOp(sd, x, dy, groups).outputVariables());
    }

    @Override
    public String opName() {
        return "sinter_grouped_linear_weight_bp";
    }

    /** G; -1 (variable) for the registry's argument-less instance. */
    @Override
    protected int outputCount() {
        return iArgs().length == 0 ? -1 : (int) iArgs()[0];
    }

    @Override
    protected long[] outputShape(int output, List<INDArray> inputs) {
        return new long[]{inputs.get(1).size(1), inputs.get(0).size(1)}; // [out, in]
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        GroupedProducts.weightGradients(inputs.get(0), inputs.get(1), outputs);
    }
}
