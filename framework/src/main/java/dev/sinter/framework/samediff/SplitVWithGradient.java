package dev.sinter.framework.samediff;

import java.util.Arrays;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.shape.SplitV;

/**
 * {@code split_v} (a split into parts of given sizes) with a backward pass: M2.1's {@code SplitV} has none and throws
 * in {@code createGradFunction()}. The gradient of a split is the concatenation of the parts' gradients along the split
 * axis; the sizes operand gets none (zeros). A fused projection {@code x·[Wq; Wk; Wv]ᵀ} splits its output this way
 * when k and v are narrower than q (grouped-query attention). {@link SameDiffRuntime#init()} re-points the op registry
 * at this class.
 */
public class SplitVWithGradient extends SplitV {

    /** Required by SameDiff's reflective op registry. */
    public SplitVWithGradient() {
        super();
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        int axis = (int) iArgs()[0]; // SplitV's integer arguments: [axis, number of parts]
        SDVariable input = sameDiff.concat(axis, gradOut.toArray(new SDVariable[0]));
        return Arrays.asList(input, sameDiff.zerosLike(arg(1)));
    }
}
