package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Next-token cross-entropy per row, {@code log Σ_v e^{logits[n, v]} − logits[n, label[n]]} for logits {@code [N, V]}
 * and integer labels {@code [N]} (0 for a label outside {@code [0, V)}), as one fused Java op
 * ({@link FusedKernels#crossEntropy}), with the logits' gradient as one more ({@link CrossEntropyGradientOp}).
 * Composed, the same needs a one-hot {@code [N, V]} array, a log-softmax, a product and a sum forward and as many
 * vocabulary-sized passes backward; fused, each direction reads the logits twice and keeps no {@code [N, V]} array
 * between the passes.
 */
public class CrossEntropyOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public CrossEntropyOp() {
        super();
    }

    private CrossEntropyOp(SameDiff sd, SDVariable logits, SDVariable labels) {
        super(sd, logits, labels);
    }

    /** The per-row cross-entropy {@code [N]}; only when {@link KernelExecutioner#active()}. */
    public static SDVariable perRow(SameDiff sd, SDVariable logits, SDVariable labels) {
        if (!KernelExecutioner.active()) {
            throw new IllegalStateException("CrossEntropyOp needs the Java kernel executioner (CPU backend)");
        }
        return new CrossEntropyOp(sd, logits, labels).outputVariable();
    }

    @Override
    public String opName() {
        return "sinter_cross_entropy";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected long[] outputShape(int output, List<INDArray> inputs) {
        return new long[]{inputs.get(0).size(0)}; // [N]
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().crossEntropy(inputs.get(0), inputs.get(1), outputs.get(0));
    }

    /** The logits' gradient; the integer labels have none (zeros, computed only if something asked for them). */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        return List.of(CrossEntropyGradientOp.gradient(sameDiff, arg(0), arg(1), gradOut.get(0)),
                sameDiff.zerosLike(arg(1)));
    }
}
