package dev.sinter.models.transformer;

import dev.sinter.framework.samediff.KernelExecutioner;
import dev.sinter.framework.samediff.RmsNormOp;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * RMSNorm and LayerNorm over the last axis of {@code [N, D]}, written so that no multiply or subtract broadcasts.
 *
 * <p>In SameDiff 1.0.0-M2.1 the gradient of a broadcasting {@code multiply} is 30-80× slower than that of a
 * same-shape one (see {@link RowScale}), and a norm has two of them. Here each per-row or per-column factor is first
 * made {@code [N, D]} by a rank-1 matmul (an outer product), whose gradients are two thin gemms, and then applied
 * with a same-shape product: {@code rms(x) = x ⊙ (r ⊗ w)} with {@code r = 1/√(mean(x²) + ε)}, and LayerNorm's centring is
 * {@code x − μ ⊗ 1}.
 */
public final class NormGraphs {
    private NormGraphs() {
    }

    /**
     * {@code x ⊙ rsqrt(mean(x², −1) + eps) ⊙ w} for x {@code [N, D]} and w {@code [D]}: the fused {@link RmsNormOp}
     * where Java kernels run (the CPU backend), else composed.
     */
    public static SDVariable rmsNorm(SameDiff sd, SDVariable x, SDVariable w, int d, double eps) {
        if (KernelExecutioner.active()) {
            return RmsNormOp.rmsNorm(sd, x, w, eps);
        }
        SDVariable r = sd.math().rsqrt(x.mul(x).mean(true, 1).add(eps)); // [N, 1]
        return x.mul(sd.mmul(r, sd.reshape(w, 1, d))); // [N, D] ⊙ (r ⊗ w)
    }

    /** {@code (x − μ) ⊙ rsqrt(σ² + eps) ⊙ w + b}, with the biased variance, for x {@code [N, D]}. */
    public static SDVariable layerNorm(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, int d, double eps) {
        SDVariable centred = x.sub(sd.mmul(x.mean(true, 1), RowScale.onesRow(sd, x, d))); // [N, D]
        SDVariable r = sd.math().rsqrt(centred.mul(centred).mean(true, 1).add(eps)); // [N, 1]
        return centred.mul(sd.mmul(r, sd.reshape(w, 1, d))).add(b);
    }
}
