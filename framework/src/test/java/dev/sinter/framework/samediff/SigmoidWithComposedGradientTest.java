package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.framework.testing.OpRecorder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The sigmoid whose gradient reuses its output: values, float64 finite differences, and no recomputing op. */
class SigmoidWithComposedGradientTest {

    @BeforeAll
    static void patch() {
        assertTrue(SameDiffRuntime.opPatchesActive(), "SameDiff's op registry patch did not take effect");
    }

    @Test
    void valuesAreTheLogisticFunction() {
        SameDiff sd = SameDiff.create();
        INDArray xa = Nd4j.createFromArray(-30.0, -2.5, -1e-3, 0.0, 0.7, 4.0, 30.0).reshape(7, 1);
        INDArray expected = Transforms.exp(xa.neg(), true).addi(1.0).rdivi(1.0); // 1 / (1 + e^−x)
        INDArray y = SigmoidWithComposedGradient.sigmoid(sd, sd.var("x", xa)).eval();
        assertEquals(0.0, y.sub(expected).amaxNumber().doubleValue(), 1e-15);
        assertEquals(0.5, y.getDouble(3), 0.0);
    }

    /** SwiGLU's x ⊙ σ(x) ⊙ u, as the transformer builds it: gradients for both x and u. */
    @Test
    void siluGradientMatchesFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.rand(DataType.DOUBLE, 3, 4).subi(0.5).muli(8));
        SDVariable u = sd.var("u", Nd4j.rand(DataType.DOUBLE, 3, 4).subi(0.5));
        SDVariable act = SigmoidWithComposedGradient.silu(sd, x).mul(u); // [3, 4]
        SDVariable loss = act.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, 3, 4))).sum().rename("loss");
        sd.setLossVariables(loss);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("x", "u"), 1000, 1e-7);
        assertEquals(24, points.size(), "every element was checked");
        assertTrue(points.stream().anyMatch(p -> Math.abs(p.analytic()) > 1e-2), "non-trivial gradients");
    }

    @Test
    void backwardRunsNoExponential() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.rand(DataType.FLOAT, 4, 5));
        SDVariable loss = SigmoidWithComposedGradient.sigmoid(sd, x).mul(sd.constant(Nd4j.rand(DataType.FLOAT, 4, 5)))
                .sum().rename("loss");
        sd.setLossVariables(loss);
        OpRecorder recorder = OpRecorder.attach(sd);
        SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "x"));
        List<String> executed = recorder.names();
        assertEquals(1, executed.stream().filter("sigmoid"::equals).count(), "σ evaluated once: " + executed);
        assertFalse(executed.contains("sigmoid_bp") || executed.contains("exp"), executed.toString());
    }
}
