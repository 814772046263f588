package dev.sinter.framework.samediff;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;

/**
 * {@code softmax} whose backward pass is composed of plain ops instead of M2.1's {@code softmax_bp}.
 *
 * <p>For {@code y = softmax(x)} along an axis, {@code dx = y ⊙ dy − y ⊙ Σ(y ⊙ dy)} (the sum along the same axis,
 * kept for broadcasting). {@code softmax_bp} takes 65 ms on a [16, 8, 128, 128] attention tensor on one thread,
 * the four ops here about 2.5 ms (measured with preallocated outputs). {@link SameDiffRuntime#init()} re-points the
 * op registry at this class.
 *
 * <p>The softmax axis must not have size 1: M2.1's keep-dims sum over a size-1 axis throws a NullPointerException
 * inside the executor ({@code BaseReduceOp.noOp}), and a softmax over one entry is constant anyway.
 */
public class SoftmaxWithComposedGradient extends SoftMax {

    /** Required by SameDiff's reflective op registry. */
    public SoftmaxWithComposedGradient() {
        super();
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        Integer axis = OpAxis.explicit(this);
        if (axis == null) {
            return super.doDiff(gradOut);
        }
        if (axis < 0) {
            // with axis -1 at rank 3 this gradient disagreed with finite differences (cause not found): resolve a
            // negative axis against a known rank, else keep the stock gradient
            long[] shape = arg().getShape();
            if (shape == null) {
                return super.doDiff(gradOut);
            }
            axis += shape.length;
        }
        SDVariable y = outputVariable();
        SDVariable yDy = y.mul(gradOut.get(0));
        return List.of(yDy.sub(y.mul(yDy.sum(true, axis))));
    }
}
