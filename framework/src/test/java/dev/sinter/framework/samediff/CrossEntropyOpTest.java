package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
 * The fused per-row cross-entropy: float64 finite differences, a padding label that counts 0, and float32 values and
 * gradients as close to the float64 truth (the composed one-hot ⊙ log-softmax form in float64) as the composed form in
 * float32 is.
 */
@ExtendWith(JavaKernelsActive.class)
class CrossEntropyOpTest {

    @Test
    void gradientMatchesFiniteDifferencesAndPaddingCountsZero() {
        SameDiff sd = SameDiff.create();
        INDArray z = Nd4j.randn(DataType.DOUBLE, 4, 7).muli(3);
        INDArray labels = Nd4j.createFromArray(3, 0, -1, 6);
        SDVariable nll = CrossEntropyOp.perRow(sd, sd.var("z", z), sd.constant("labels", labels)); // [4]
        sd.setLossVariables(nll.mul(sd.constant(Nd4j.createFromArray(0.5, 2.0, 1.0, -1.5))).sum().rename("loss"));
        INDArray values = nll.eval();
        INDArray lse = Transforms.log(Transforms.exp(z, true).sum(1), false); // [4]
        assertEquals(lse.getDouble(0) - z.getDouble(0, 3), values.getDouble(0), 1e-12);
        assertEquals(lse.getDouble(3) - z.getDouble(3, 6), values.getDouble(3), 1e-12);
        assertEquals(0.0, values.getDouble(2), 0.0, "label −1 (padding) counts nothing");
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("z"), 1000, 1e-7);
        assertEquals(28, points.size(), "every element was checked");
        assertTrue(points.stream().filter(p -> Math.abs(p.analytic()) > 1e-3).count() > 10, "non-trivial gradients");
    }

    @ParameterizedTest
    @ValueSource(ints = {37, 4096})
    void float32IsAsCloseToTheTruthAsTheComposedForm(int v) {
        int n = 24;
        INDArray z = Nd4j.randn(DataType.FLOAT, n, v).muli(4);
        INDArray labels = Nd4j.createFromArray(new int[n]);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, (i * 7919) % v);
        }
        Map<String, INDArray> fused = run(z, labels, true);
        Map<String, INDArray> composed = run(z, labels, false);
        Map<String, INDArray> truth = run(z.castTo(DataType.DOUBLE), labels, false);
        double loss = truth.get("loss").getDouble(0);
        assertEquals(loss, fused.get("loss").getDouble(0), 2e-6 * Math.abs(loss), "mean cross-entropy");
        double fusedError = relativeError(fused.get("z"), truth.get("z"));
        double composedError = relativeError(composed.get("z"), truth.get("z"));
        assertTrue(fusedError < 5e-6 && fusedError <= 2 * composedError,
                "dz relative error: fused " + fusedError + ", composed " + composedError);
    }

    private static double relativeError(INDArray actual, INDArray truth) {
        return actual.castTo(DataType.DOUBLE).sub(truth).amaxNumber().doubleValue() / truth.amaxNumber().doubleValue();
    }

    /** The mean cross-entropy and its gradient for z, fused or composed. */
    private static Map<String, INDArray> run(INDArray za, INDArray labels, boolean fused) {
        SameDiff sd = SameDiff.create();
        SDVariable z = sd.var("z", za.dup());
        SDVariable loss;
        if (fused) {
            loss = sd.mean("loss", CrossEntropyOp.perRow(sd, z, sd.constant(labels)));
        } else {
            SDVariable oneHot = sd.oneHot(sd.constant(labels), (int) za.size(1), -1, 1.0, 0.0, za.dataType());
            loss = sd.math().neg("loss", oneHot.mul(sd.nn().logSoftmax(z, 1)).sum(1).mean());
        }
        sd.setLossVariables(loss);
        Map<String, INDArray> grads = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "z"));
        return Map.of("loss", loss.eval(), "z", grads.get("z"));
    }
}
