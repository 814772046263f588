package dev.sinter.framework.samediff;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;

/**
 * {@code matmul} whose backward pass is two independent products instead of one {@code matmul_bp} op.
 *
 * <p>SameDiff 1.0.0-M2.1 differentiates {@code y = op(A)·op(B)} with a single {@code matmul_bp} that always forms both
 * dA and dB, so a frozen weight (LoRA's base, SMT's W0, a distillation teacher) still costs a full dense weight
 * gradient per step. Here dA and dB are separate {@code matmul} ops, and SameDiff executes only the ops a requested
 * gradient depends on: a weight whose gradient nobody asks for is never differentiated. With
 * {@code y = op(A)·op(B)}: {@code dA = dY·op(B)ᵀ} (transposed back when A was), {@code dB = op(A)ᵀ·dY} (likewise).
 * The batched case multiplies the last two axes; ND4J's {@code matmul} itself rejects operands of different ranks ≥ 2,
 * so the two ranks agree. A rank-1 operand (vector product), a transposed result or a scaled product falls back to
 * the stock gradient. {@link SameDiffRuntime#init()} re-points the op
 * registry at this class.
 */
public class MmulWithSplitGradient extends Mmul {

    /** Required by SameDiff's reflective op registry. */
    public MmulWithSplitGradient() {
        super();
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        SDVariable a = arg(0);
        SDVariable b = arg(1);
        if (mt == null || mt.isTransposeResult() || alpha != 1.0 || beta != 0.0 || isVector(a) || isVector(b)) {
            return super.doDiff(gradOut);
        }
        boolean ta = mt.isTransposeA();
        boolean tb = mt.isTransposeB();
        SDVariable dy = gradOut.get(0);
        SDVariable da = ta ? sameDiff.mmul(b, dy, tb, true, false) : sameDiff.mmul(dy, b, false, !tb, false);
        SDVariable db = tb ? sameDiff.mmul(dy, a, true, ta, false) : sameDiff.mmul(a, dy, !ta, false, false);
        return List.of(da, db);
    }

    /** True when the operand is known to be rank 0 or 1; activations' shapes are often unknown here (null). */
    private static boolean isVector(SDVariable v) {
        long[] shape = v.getShape();
        return shape != null && shape.length < 2;
    }
}
