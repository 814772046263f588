package dev.sinter.framework.samediff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * G linear maps on G row blocks of one array as one op: for x {@code [G·C, in]} and weights {@code W_g [out, in]},
 * {@code y[g·C:(g+1)·C] = x[g·C:(g+1)·C] · W_gᵀ}, {@code [G·C, out]} (a mixture of experts' projections on their
 * dispatched rows). The kernel runs one 2-D product per block on views of x and y, so no block is copied out or
 * joined back, and the graph holds one op where per-block products need G products, a split and a join, each paying
 * SameDiff's per-op cost. Each weight stays its own variable (HF names). The gradient is two ops,
 * {@link GroupedLinearInputGradientOp} and {@link GroupedLinearWeightGradientOp}, so that SameDiff skips the weight
 * gradients when no weight needs one (frozen experts).
 */
public class GroupedLinearOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public GroupedLinearOp() {
        super();
    }

    private GroupedLinearOp(SameDiff sd, SDVariable[] inputs) {
        super(sd, inputs);
    }

    /**
     * The G block products of x {@code [G·C, in]} with {@code weights[g] [out, in]}, {@code [G·C, out]}: this op when
     * {@link KernelExecutioner#active()}, else per-block products of an {@code unstack} joined by {@code concat}
     * ({@code in}, the rows' width, shapes the fallback's split).
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, int in, SDVariable... weights) {
        int groups = weights.length;
        if (KernelExecutioner.active()) {
            return new GroupedLinearOp(sd, withWeights(x, weights)).outputVariable();
        }
        if (groups == 1) {
            return sd.mmul(x, weights[0], false, true, false);
        }
        SDVariable[] blocks = sd.unstack(sd.reshape(x, groups, -1, in), 0, groups); // G × [C, in]
        SDVariable[] y = new SDVariable[groups];
        for (int g = 0; g < groups; g++) {
            y[g] = sd.mmul(blocks[g], weights[g], false, true, false); // [C, out]
        }
        return sd.concat(0, y);
    }

    /** The op inputs {@code [first, W_0, …, W_{G−1}]}. */
    static SDVariable[] withWeights(SDVariable first, SDVariable[] weights) {
        SDVariable[] inputs = new SDVariable[weights.length + 1];
        inputs[0] = first;
        System.arraycopy(weights, 0, inputs, 1, weights.length);
        return inputs;
    }

    @Override
    public String opName() {
        return "sinter_grouped_linear";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected long[] outputShape(int output, List<INDArray> inputs) {
        return new long[]{inputs.get(0).size(0), inputs.get(1).size(0)}; // [G·C, out]
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        List<INDArray> weights = inputs.subList(1, inputs.size());
        GroupedProducts.forward(inputs.get(0), weights, outputs.get(0));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        SDVariable dy = gradOut.get(0);
        SDVariable[] weights = Arrays.copyOfRange(args(), 1, args().length);
        List<SDVariable> grads = new ArrayList<>();
        grads.add(GroupedLinearInputGradientOp.gradient(sameDiff, dy, weights));
        grads.addAll(GroupedLinearWeightGradientOp.gradients(sameDiff, arg(0), dy, weights.length));
        return grads;
    }
}
