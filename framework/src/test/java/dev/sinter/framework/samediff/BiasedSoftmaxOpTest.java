package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused {@code softmax(scores + bias)}: float64 finite differences for the scores, and float32 values and
 * gradients (whole vectors and a partial last one, a causal mask) equal to the composed SameDiff form's.
 */
@ExtendWith(JavaKernelsActive.class)
class BiasedSoftmaxOpTest {

    @ParameterizedTest
    @ValueSource(ints = {5, 19})
    void gradientMatchesFiniteDifferences(int t) {
        SameDiff sd = SameDiff.create();
        SDVariable s = sd.var("s", Nd4j.randn(DataType.DOUBLE, 2, 3, t).muli(2));
        SDVariable b = sd.constant("b", causal(DataType.DOUBLE, 2, 3, t));
        SDVariable y = BiasedSoftmaxOp.softmax(sd, s, b, 2); // [2, 3, t]
        sd.setLossVariables(y.mul(sd.constant(Nd4j.randn(DataType.DOUBLE, 2, 3, t))).sum().rename("loss"));
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("s"), 1000, 1e-6);
        assertEquals(6L * t, points.size(), "every element was checked");
        assertTrue(points.stream().anyMatch(p -> Math.abs(p.analytic()) > 1e-2), "non-trivial gradients");
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 37, 128})
    void float32EqualsTheComposedForm(int t) {
        INDArray s = Nd4j.randn(DataType.FLOAT, 2, 4, t, t).muli(3);
        INDArray b = causal(DataType.FLOAT, 2, 4, t, t);
        INDArray w = Nd4j.randn(DataType.FLOAT, 2, 4, t, t);
        Map<String, INDArray> fused = run(s, b, w, true);
        Map<String, INDArray> composed = run(s, b, w, false);
        for (String name : List.of("y", "s")) {
            INDArray f = fused.get(name), c = composed.get(name);
            double err = f.sub(c).amaxNumber().doubleValue() / c.amaxNumber().doubleValue();
            assertEquals(0.0, err, 2e-6, name + " relative to its largest element");
        }
        assertEquals(0.0, fused.get("y").getDouble(0, 0, 0, 1), 1e-30, "a masked key gets no weight");
    }

    /** A causal bias of the given shape: 0 where key ≤ query (the last two axes), −1e9 elsewhere. */
    private static INDArray causal(DataType type, long... shape) {
        INDArray b = Nd4j.zeros(type, shape);
        int q = shape.length - 2;
        INDArray rows = b.reshape(-1, shape[q], shape[q + 1]);
        for (int m = 0; m < rows.size(0); m++) {
            for (int i = 0; i < shape[q]; i++) {
                for (int j = 0; j < shape[q + 1]; j++) {
                    if (j > i) {
                        rows.putScalar(new long[]{m, i, j}, -1e9);
                    }
                }
            }
        }
        return rows.reshape(shape);
    }

    /** Probabilities y and the gradient of {@code sum(y ⊙ w)} for the scores, fused or composed. */
    private static Map<String, INDArray> run(INDArray sa, INDArray ba, INDArray wa, boolean fused) {
        SameDiff sd = SameDiff.create();
        SDVariable s = sd.var("s", sa.dup());
        SDVariable b = sd.constant("b", ba);
        SDVariable y = (fused ? BiasedSoftmaxOp.softmax(sd, s, b, 3)
                : sd.nn().softmax(s.add(b), 3)).rename("y");
        sd.setLossVariables(y.mul(sd.constant(wa)).sum().rename("loss"));
        Map<String, INDArray> grads = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "s"));
        return Map.of("y", y.eval(), "s", grads.get("s"));
    }
}
