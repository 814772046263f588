package dev.sinter.framework.samediff;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.DynamicCustomOp;

/**
 * The logistic sigmoid as libnd4j's custom op {@code sigmoid}, with a backward pass that reuses the forward output.
 *
 * <p>For {@code y = σ(x)}, {@code dx = dy ⊙ y ⊙ (1 − y)}: three elementwise products on arrays the forward pass
 * already holds. M2.1's gradients of {@code sigmoid} ({@code sigmoid_bp}) and of {@code swish}
 * ({@code _swishderivative}) evaluate an exponential again per element: 6.3 and 7.7 ms on a [2048, 688] SwiGLU
 * gate on one thread, against about 1 ms here. Graph builders create this op directly
 * ({@link #sigmoid(SameDiff, SDVariable)}); the stock {@code sd.nn().sigmoid} is a legacy op that SameDiff's
 * gradient function re-creates by op number, so it cannot be redirected like the custom ops in
 * {@link SameDiffRuntime}. {@link SameDiffRuntime#init()} registers this class for the op's hash so that the
 * gradient function's copy of the graph re-creates it.
 */
public class SigmoidWithComposedGradient extends DynamicCustomOp {

    /** Required by SameDiff's reflective op registry. */
    public SigmoidWithComposedGradient() {
        super();
    }

    private SigmoidWithComposedGradient(SameDiff sd, SDVariable x) {
        super(null, sd, new SDVariable[]{x});
    }

    /** σ(x), elementwise, same shape and type as {@code x}. */
    public static SDVariable sigmoid(SameDiff sd, SDVariable x) {
        return new SigmoidWithComposedGradient(sd, x).outputVariable();
    }

    /**
     * SiLU {@code x ⊙ σ(x)} (SwiGLU's gate activation), with this op's σ: the backward reuses σ, where ND4J's
     * {@code swish} derivative recomputes it.
     */
    public static SDVariable silu(SameDiff sd, SDVariable x) {
        return x.mul(sigmoid(sd, x));
    }

    @Override
    public String opName() {
        return "sigmoid";
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> dataTypes) {
        return List.of(dataTypes.get(0));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradOut) {
        SDVariable y = outputVariable();
        return List.of(gradOut.get(0).mul(y).mul(y.rsub(1.0)));
    }
}
