package dev.sinter.framework.samediff;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The input gradient of {@link GroupedLinearOp}: {@code dx_g = dy_g · W_g}, {@code [G·C, in]}, one op. */
public class GroupedLinearInputGradientOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public GroupedLinearInputGradientOp() {
        super();
    }

    private GroupedLinearInputGradientOp(SameDiff sd, SDVariable[] inputs) {
        super(sd, inputs);
    }

    /** {@code dx} for upstream {@code dy [G·C, out]} and the G weights {@code [out, in]}. */
    static SDVariable gradient(SameDiff sd, SDVariable dy, SDVariable[] weights) {
        return new GroupedLinearInputGradientOp(sd, GroupedLinearOp.withWeights(dy, weights)).outputVariable();
    }

    @Override
    public String opName() {
        return "sinter_grouped_linear_input_bp";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected long[] outputShape(int output, List<INDArray> inputs) {
        return new long[]{inputs.get(0).size(0), inputs.get(1).size(1)}; // [G·C, in]
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        GroupedProducts.inputGradient(inputs.get(0), inputs.subList(1, inputs.size()), outputs.get(0));
    }
}
