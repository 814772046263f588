package dev.sinter.framework.samediff;

import dev.sinter.framework.kernels.FusedKernels;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The logits' gradient {@code dNll[n]·(softmax(logits[n, :]) − onehot(label[n]))} of {@link CrossEntropyOp}. */
public class CrossEntropyGradientOp extends JavaKernelOp {

    /** Required by SameDiff's reflective op registry. */
    public CrossEntropyGradientOp() {
        super();
    }

    private CrossEntropyGradientOp(SameDiff sd, SDVariable logits, SDVariable labels, SDVariable gradOut) {
        super(sd, logits, labels, gradOut);
    }

    /** The gradient for logits {@code [N, V]} given labels {@code [N]} and upstream gradient {@code [N]}. */
    static SDVariable gradient(SameDiff sd, SDVariable logits, SDVariable labels, SDVariable gradOut) {
        return new CrossEntropyGradientOp(sd, logits, labels, gradOut).outputVariable();
    }

    @Override
    public String opName() {
        return "sinter_cross_entropy_bp";
    }

    @Override
    protected int outputCount() {
        return 1;
    }

    @Override
    protected void compute(List<INDArray> inputs, List<INDArray> outputs) {
        FusedKernels.best().crossEntropyBackward(inputs.get(0), inputs.get(1), inputs.get(2), outputs.get(0));
    }
}
