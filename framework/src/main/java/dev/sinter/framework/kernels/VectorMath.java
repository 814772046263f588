package dev.sinter.framework.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane-wise math for the Vector API kernels (the decoder's and the training graphs' fused ops). Load this class only
 * when the JVM runs with {@code --add-modules jdk.incubator.vector}.
 */
public final class VectorMath {
    /** The widest float vector this CPU runs (16 lanes with AVX-512). */
    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector LOG2E = FloatVector.broadcast(S, 1.44269504088896341f);
    private static final FloatVector ROUND = FloatVector.broadcast(S, 12582912f); // 1.5·2^23
    private static final FloatVector MINUS_LN2_HI = FloatVector.broadcast(S, -0.693359375f);
    private static final FloatVector MINUS_LN2_LO = FloatVector.broadcast(S, 2.12194440e-4f);
    // Cephes expf's polynomial P(r) = P0·r⁵ + … + P5: e^r ≈ 1 + r + r²·P(r) (static final vectors, which C2 keeps
    // in registers)
    private static final FloatVector P0 = FloatVector.broadcast(S, 1.9875691500e-4f);
    private static final FloatVector P1 = FloatVector.broadcast(S, 1.3981999507e-3f);
    private static final FloatVector P2 = FloatVector.broadcast(S, 8.3334519073e-3f);
    private static final FloatVector P3 = FloatVector.broadcast(S, 4.1665795894e-2f);
    private static final FloatVector P4 = FloatVector.broadcast(S, 1.6666665459e-1f);
    private static final FloatVector P5 = FloatVector.broadcast(S, 5.0000001201e-1f);

    private VectorMath() {
    }

    /**
     * e^x lane-wise, Cephes' expf (x = n·ln 2 + r, |r| ≤ ln 2 / 2, a degree-6 polynomial in r, times 2^n), within
     * 2 ulp of {@link Math#exp}; x is clamped to [−87, 88.3] (results from 1.6·10^−38 to 2^127: never subnormal, whose
     * arithmetic on x86 without flush-to-zero costs ~100 cycles a lane). Only adds,
     * multiplies, FMAs and bit moves, so the bits are the same whether the JIT has compiled this code or not: the
     * JDK's {@code lanewise(EXP)} gives different bits interpreted (Math.exp per lane) and compiled (SVML), which made
     * results depend on when C2 got to a kernel (a decode's logits; two data-parallel replicas' gradients). No
     * float-to-int conversion either: JDK 17's C2 leaves it slow.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector v = x.max(-87f).min(88.3f);
        FloatVector t = v.fma(LOG2E, ROUND); // 1.5·2^23 + round(x / ln 2): n in the low bits of t
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(MINUS_LN2_HI, v).add(n.mul(MINUS_LN2_LO)); // x − n·ln 2 in two parts
        FloatVector p = r.fma(P0, P1).fma(r, P2).fma(r, P3).fma(r, P4).fma(r, P5);
        FloatVector e = p.mul(r.mul(r)).add(r).add(ONE); // 1 + r + r²·P(r)
        // 2^n from t's bits: (bits(t) + 127) << 23 keeps n + 127 in the exponent field (the rest shifts out)
        IntVector twoN = ((IntVector) t.reinterpretAsInts()).add(127).lanewise(VectorOperators.LSHL, 23);
        return e.mul(twoN.reinterpretAsFloats());
    }

    /**
     * e^x lane-wise, exactly 0 where x < −60: for softmax terms (x = logit − row maximum), which are then divided by
     * the row sum and multiplied by gradients. e^−60 ≈ 8.7·10^−27 is far below float resolution next to the row's
     * largest term, 1, and keeping such terms would let those products turn subnormal, whose arithmetic on x86
     * (Java cannot set flush-to-zero) costs ~100 cycles a lane: a masked softmax's near-zero probabilities made the
     * next matmul 5× slower.
     */
    public static FloatVector expOrZero(FloatVector x) {
        // the sign bit of x + 60, spread over the lane (arithmetic shift): −1 where x < −60; keep the other lanes
        IntVector below = ((IntVector) x.add(60f).reinterpretAsInts()).lanewise(VectorOperators.ASHR, 31);
        IntVector bits = (IntVector) exp(x).reinterpretAsInts();
        return bits.lanewise(VectorOperators.AND, below.not()).reinterpretAsFloats();
    }

    /** σ(x) = 1 / (1 + e^−x) lane-wise, with {@link #exp}. */
    public static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }
}
