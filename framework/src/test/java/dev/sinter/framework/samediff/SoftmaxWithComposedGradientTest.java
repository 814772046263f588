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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The composed (log-)softmax gradients: float64 finite differences along every axis, and no {@code softmax_bp}. */
class SoftmaxWithComposedGradientTest {

    @BeforeAll
    static void patch() {
        assertTrue(SameDiffRuntime.opPatchesActive(), "SameDiff's op registry patch did not take effect");
    }

    @ParameterizedTest(name = "axis {0}")
    @ValueSource(ints = {-1, 0, 1, 2})
    void gradientMatchesFiniteDifferences(int axis) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.rand(DataType.DOUBLE, 2, 3, 4).subi(0.5).muli(4));
        SDVariable y = sd.nn().softmax(x, axis); // [2, 3, 4]
        // weights that differ per element, so the loss is not constant along the softmax axis
        SDVariable loss = y.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, 2, 3, 4))).sum().rename("loss");
        sd.setLossVariables(loss);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("x"), 1000, 1e-7);
        assertEquals(24, points.size(), "every element was checked");
        assertTrue(points.stream().anyMatch(p -> Math.abs(p.analytic()) > 1e-3), "non-trivial gradients");
    }

    @ParameterizedTest(name = "rank {0}, axis {1}")
    @CsvSource({"2,1", "2,0", "3,2", "3,1"})
    void logSoftmaxGradientMatchesFiniteDifferences(int rank, int axis) {
        SameDiff sd = SameDiff.create();
        long[] shape = rank == 2 ? new long[]{3, 5} : new long[]{2, 3, 4};
        SDVariable x = sd.var("x", Nd4j.rand(DataType.DOUBLE, shape).subi(0.5).muli(4));
        SDVariable y = new LogSoftMax(sd, x, axis).outputVariable();
        INDArray xa = x.getArr();
        INDArray logSumExp = Transforms.log(Transforms.exp(xa, true).sum(true, axis), false);
        assertEquals(0.0, y.eval().sub(xa.sub(logSumExp.broadcast(shape))).amaxNumber().doubleValue(), 1e-12,
                "log_softmax along axis " + axis);
        SDVariable loss = y.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, shape))).sum().rename("loss");
        sd.setLossVariables(loss);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("x"), 1000, 1e-7);
        assertEquals(x.getArr().length(), points.size(), "every element was checked");
    }

    @Test
    void backwardRunsNoSoftmaxBp() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.rand(DataType.FLOAT, 4, 5));
        SDVariable loss = sd.nn().softmax(x, -1).mul(sd.constant(Nd4j.rand(DataType.FLOAT, 4, 5))).sum()
                .rename("loss");
        sd.setLossVariables(loss);
        OpRecorder recorder = OpRecorder.attach(sd);
        SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "x"));
        List<String> executed = recorder.names();
        assertTrue(executed.contains("softmax"), executed.toString());
        assertFalse(executed.contains("softmax_bp"), executed.toString());
    }
}
