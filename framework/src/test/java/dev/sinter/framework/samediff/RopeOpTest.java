package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.framework.testing.OpRecorder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The fused rotary embedding ({@link RopeOp}) in both pair layouts: float64 finite differences, and float32 values
 * and input gradients against the composed form {@code x ⊙ cos + (x·R) ⊙ sin} with the signed pair-swap matrix R, at
 * head sizes that take the vector loops (32) and the plain ones (10).
 */
@ExtendWith(JavaKernelsActive.class)
class RopeOpTest {

    @ParameterizedTest
    @CsvSource({"true, 6", "false, 8"})
    void gradientMatchesFiniteDifferences(boolean adjacent, int hd) {
        SameDiff sd = SameDiff.create();
        long[] shape = {2, 3, 2, hd}; // [B, T, heads, hd]
        SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, shape));
        INDArray angles = Nd4j.rand(DataType.DOUBLE, shape).muli(6);
        SDVariable y = RopeOp.rotate(sd, x, sd.constant(Transforms.cos(angles)), sd.constant(Transforms.sin(angles)),
                adjacent);
        sd.setLossVariables(y.mul(y).mul(sd.constant(Nd4j.randn(DataType.DOUBLE, shape))).sum().rename("loss"));
        OpRecorder recorder = OpRecorder.attach(sd);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("x"), 1000, 1e-7);
        assertEquals(12 * hd, points.size(), "every element was checked");
        assertTrue(recorder.names().containsAll(List.of("sinter_rope", "sinter_rope_bp")), recorder.names().toString());
    }

    @ParameterizedTest
    @CsvSource({"true, 32", "false, 32", "true, 10", "false, 10"})
    void equalsTheComposedFormInFloat32(boolean adjacent, int hd) {
        long[] shape = {2, 5, 3, hd};
        INDArray xa = Nd4j.randn(DataType.FLOAT, shape);
        INDArray angles = Nd4j.rand(DataType.FLOAT, shape).muli(6);
        INDArray w = Nd4j.randn(DataType.FLOAT, shape);
        Map<String, INDArray> fused = run(xa, angles, w, adjacent, true);
        Map<String, INDArray> composed = run(xa, angles, w, adjacent, false);
        for (String name : List.of("y", "x")) {
            INDArray f = fused.get(name), c = composed.get(name);
            assertEquals(0.0, f.sub(c).amaxNumber().doubleValue(), 1e-5 * c.amaxNumber().doubleValue(), name);
        }
    }

    /** The rotation and the gradient of {@code Σ y ⊙ w} for x, fused or composed with the swap matrix. */
    private static Map<String, INDArray> run(INDArray xa, INDArray angles, INDArray w, boolean adjacent, boolean fused) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xa.dup());
        SDVariable cos = sd.constant(Transforms.cos(angles));
        SDVariable sin = sd.constant(Transforms.sin(angles));
        int hd = (int) xa.size(-1);
        SDVariable y;
        if (fused) {
            y = RopeOp.rotate(sd, x, cos, sin, adjacent);
        } else {
            SDVariable swapped = sd.reshape(sd.mmul(sd.reshape(x, -1, hd), sd.constant(swap(hd, adjacent))),
                    xa.shape());
            y = x.mul(cos).add(swapped.mul(sin));
        }
        y.rename("y");
        sd.setLossVariables(y.mul(sd.constant(w)).sum().rename("loss"));
        INDArray dx = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "x")).get("x");
        return Map.of("y", sd.outputSingle(Map.of(), "y"), "x", dx);
    }

    /** R with {@code (x·R)_a = −x_b}, {@code (x·R)_b = x_a} for each pair (a, b). */
    private static INDArray swap(int hd, boolean adjacent) {
        INDArray r = Nd4j.zeros(DataType.FLOAT, hd, hd);
        for (int p = 0; p < hd / 2; p++) {
            int a = adjacent ? 2 * p : p;
            int b = a + (adjacent ? 1 : hd / 2);
            r.putScalar(b, a, -1);
            r.putScalar(a, b, 1);
        }
        return r;
    }
}
