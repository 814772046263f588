package dev.sinter.framework.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The Vector API's lane-wise exp against {@link Math#exp}. */
class VectorMathTest {

    @Test
    void expIsWithinTwoUlpOfMathExpAcrossTheFloatRange() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] x = new float[lanes];
        float[] e = new float[lanes];
        double worstUlps = 0;
        for (float start = -87f; start < 88f; start += lanes * 0.00731f) {
            for (int i = 0; i < lanes; i++) {
                x[i] = start + i * 0.00731f;
            }
            VectorMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(e, 0);
            for (int i = 0; i < lanes; i++) {
                float want = (float) Math.exp(x[i]);
                worstUlps = Math.max(worstUlps, Math.abs(e[i] - want) / Math.ulp(want));
            }
        }
        assertTrue(worstUlps <= 2, "worst error " + worstUlps + " ulp");
        // clamped ends: tiny and huge but finite, never NaN
        x[0] = -1000f;
        x[1] = 1000f;
        x[2] = 0f;
        VectorMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(e, 0);
        assertTrue(e[0] >= Float.MIN_NORMAL && e[0] < 1.7e-38f,
                "exp(-1000) = " + e[0] + ": clamped, never subnormal");
        assertTrue(Float.isFinite(e[1]) && e[1] > 1e38f, "exp(1000) = " + e[1]);
        assertEquals(1f, e[2]);
    }
}
