package dev.sinter.models.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.testing.GradientCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The broadcast-free norms: values against the textbook formula, gradients against float64 finite differences. */
class NormGraphsTest {
    private static final int N = 5;
    private static final int D = 6;
    private static final double EPS = 1e-5;

    @BeforeAll
    static void init() {
        SameDiffRuntime.init();
    }

    @Test
    void rmsNormMatchesFormulaAndFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        INDArray x = Nd4j.rand(DataType.DOUBLE, N, D).subi(0.5);
        INDArray w = Nd4j.rand(DataType.DOUBLE, D).addi(0.5);
        SDVariable y = NormGraphs.rmsNorm(sd, sd.var("x", x), sd.var("w", w), D, EPS);
        // x_ij · w_j / √(mean_j x_ij² + ε)
        INDArray r = Nd4j.math().rsqrt(x.mul(x).mean(true, 1).addi(EPS));
        INDArray expected = x.mulColumnVector(r).mulRowVector(w);
        assertEquals(0.0, y.eval().sub(expected).amaxNumber().doubleValue(), 1e-12);
        check(sd, y, List.of("x", "w"));
    }

    @Test
    void layerNormMatchesFormulaAndFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        INDArray x = Nd4j.rand(DataType.DOUBLE, N, D).subi(0.3).muli(3);
        INDArray w = Nd4j.rand(DataType.DOUBLE, D).addi(0.5);
        INDArray b = Nd4j.rand(DataType.DOUBLE, D).subi(0.5);
        SDVariable y = NormGraphs.layerNorm(sd, sd.var("x", x), sd.var("w", w), sd.var("b", b), D, EPS);
        INDArray centred = x.subColumnVector(x.mean(true, 1));
        INDArray r = Nd4j.math().rsqrt(centred.mul(centred).mean(true, 1).addi(EPS)); // biased variance
        INDArray expected = centred.mulColumnVector(r).mulRowVector(w).addRowVector(b);
        assertEquals(0.0, y.eval().sub(expected).amaxNumber().doubleValue(), 1e-12);
        check(sd, y, List.of("x", "w", "b"));
    }

    /** A loss that weights every output differently, then every element of every input against finite differences. */
    private static void check(SameDiff sd, SDVariable y, List<String> inputs) {
        SDVariable loss = y.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, N, D).subi(0.5))).sum().rename("loss");
        sd.setLossVariables(loss);
        var points = GradientCheck.check(sd, Map.of(), "loss", inputs, 1000, 1e-6);
        long elements = inputs.stream().mapToLong(n -> sd.getVariable(n).getArr().length()).sum();
        assertEquals(elements, points.size(), "every element was checked");
    }
}
