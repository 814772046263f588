package dev.sinter.framework.samediff;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;

/**
 * {@code log_softmax} whose backward pass is composed of plain ops instead of M2.1's {@code log_softmax_bp}.
 *
 * <p>For {@code y = log_softmax(x)} along an explicit axis ({@code new LogSoftMax(sd, x, axis)}),
 * {@code dx = dy − exp(y) ⊙ Σ dy} (the sum along the same axis, kept for broadcasting). On a [2048, 4096]
 * language-model head, {@code log_softmax_bp} takes 160 ms on one thread and these ops about 30 ms; the fused {@code softmax_cross_entropy_loss} and its
 * gradient, which this replaces in our loss, took 480 ms and 850 ms. {@link SameDiffRuntime#init()} re-points the op
 * registry at this class.
 */
public class LogSoftmaxWithComposedGradient extends LogSoftMax {

    /** Required by SameDiff's reflective op registry. */
    public LogSoftmaxWithComposedGradient() {
        super();
    }

    /**
     * Skips the {@code dimension} property when SameDiff re-creates the op for a gradient function: M2.1 fails to set
     * an {@code Integer} field reflectively ("Integer.values()"), which is why {@code logSoftmax(x, dim)} could not be
     * differentiated. The axis travels as the op's integer argument, which the native op reads anyway.
     */
    @Override
    public void setPropertiesForFunction(Map<String, Object> properties) {
        Map<String, Object> rest = new HashMap<>(properties);
        rest.remove("dimension");
        super.setPropertiesForFunction(rest);
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        Integer axis = OpAxis.explicit(this);
        if (axis == null) {
            // no explicit axis: the native default is the last axis only for rank 2, so keep the stock gradient
            return super.doDiff(gradOut);
        }
        SDVariable dy = gradOut.get(0);
        return List.of(dy.sub(sameDiff.math().exp(outputVariable()).mul(dy.sum(true, axis))));
    }
}
