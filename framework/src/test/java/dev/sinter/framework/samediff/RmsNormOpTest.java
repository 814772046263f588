package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The fused RMSNorm op: float64 finite differences through a graph, and float32 values and gradients (the vector
 * kernel, with and without a partial last vector) against the formulas evaluated in float64.
 */
@ExtendWith(JavaKernelsActive.class)
class RmsNormOpTest {
    private static final double EPS = 1e-5;

    @ParameterizedTest
    @ValueSource(ints = {5, 37})
    void gradientMatchesFiniteDifferences(int d) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.rand(DataType.DOUBLE, 4, d).subi(0.5).muli(3));
        SDVariable w = sd.var("w", Nd4j.rand(DataType.DOUBLE, d).addi(0.5));
        SDVariable y = RmsNormOp.rmsNorm(sd, x, w, EPS); // [4, d]
        sd.setLossVariables(y.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, 4, d).subi(0.5))).sum().rename("loss"));
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("x", "w"), 1000, 1e-6);
        assertEquals(5L * d, points.size(), "every element was checked");
    }

    @ParameterizedTest
    @ValueSource(ints = {37, 256})
    void float32MatchesTheFormulas(int d) {
        int n = 9;
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, d).muli(2);
        INDArray w = Nd4j.rand(DataType.DOUBLE, d).addi(0.5);
        INDArray dy = Nd4j.randn(DataType.DOUBLE, n, d);
        // float64 references: r = 1/√(mean x² + ε); y = x·r ⊙ w; dx = r·(w ⊙ dy) − x·r³/D·Σ(w ⊙ dy ⊙ x);
        // dw = Σ_n dy ⊙ x·r
        INDArray r = Transforms.pow(x.mul(x).mean(true, 1).addi(EPS), -0.5, false); // [n, 1]
        INDArray y = x.mulColumnVector(r).mulRowVector(w);
        INDArray s = dy.mulRowVector(w).muli(x).sum(true, 1); // [n, 1]
        INDArray dx = dy.mulRowVector(w).mulColumnVector(r).subi(x.mulColumnVector(r.mul(r).muli(r).muli(s).divi(d)));
        INDArray dw = dy.mul(x).mulColumnVector(r).sum(0);

        SameDiff sd = SameDiff.create();
        SDVariable xv = sd.var("x", x.castTo(DataType.FLOAT));
        SDVariable wv = sd.var("w", w.castTo(DataType.FLOAT));
        SDVariable out = RmsNormOp.rmsNorm(sd, xv, wv, EPS).rename("y");
        sd.setLossVariables(out.mul(sd.constant(dy.castTo(DataType.FLOAT))).sum().rename("loss"));
        Map<String, INDArray> grads = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "x", "w"));
        assertClose(y, out.eval(), "y");
        assertClose(dx, grads.get("x"), "dx");
        assertClose(dw, grads.get("w"), "dw");
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.amaxNumber().doubleValue();
        double err = expected.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertEquals(0.0, err / scale, 2e-6, what + " relative to its largest element");
    }
}
