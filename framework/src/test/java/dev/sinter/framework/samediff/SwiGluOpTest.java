package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.framework.testing.OpRecorder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused SwiGLU op with a Java kernel: it is in the graph (not the composed fallback), its gradient matches float64
 * finite differences, and in float32 its values and gradients equal the composed SameDiff form's.
 */
@ExtendWith(JavaKernelsActive.class)
class SwiGluOpTest {

    @Test
    void gradientMatchesFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        SDVariable g = sd.var("g", Nd4j.rand(DataType.DOUBLE, 3, 7).subi(0.5).muli(12));
        SDVariable u = sd.var("u", Nd4j.rand(DataType.DOUBLE, 3, 7).subi(0.5));
        SDVariable act = SwiGluOp.swiGlu(sd, g, u); // [3, 7]
        SDVariable loss = act.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, 3, 7))).sum().rename("loss");
        sd.setLossVariables(loss);
        OpRecorder recorder = OpRecorder.attach(sd);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("g", "u"), 1000, 1e-7);
        assertEquals(42, points.size(), "every element was checked");
        assertTrue(points.stream().anyMatch(p -> Math.abs(p.analytic()) > 1e-2), "non-trivial gradients");
        assertTrue(recorder.names().contains("sinter_swiglu"), "the fused op ran: " + recorder.names());
    }

    /** Float32 over a size that is not a multiple of the vector width (the masked tail). */
    @Test
    void equalsTheComposedFormInFloat32() {
        INDArray ga = Nd4j.randn(DataType.FLOAT, 37, 29).muli(4);
        INDArray ua = Nd4j.randn(DataType.FLOAT, 37, 29);
        INDArray wa = Nd4j.randn(DataType.FLOAT, 37, 29);
        Map<String, INDArray> fused = gradients(ga, ua, wa, true);
        Map<String, INDArray> composed = gradients(ga, ua, wa, false);
        for (String name : List.of("act", "g", "u")) {
            INDArray f = fused.get(name), c = composed.get(name);
            assertArrayEquals(c.shape(), f.shape(), name);
            double scale = c.amaxNumber().doubleValue();
            assertEquals(0.0, f.sub(c).amaxNumber().doubleValue() / scale, 2e-6, name + " relative to its max");
        }
    }

    @Test
    void eagerExecutionComputesTheActivation() {
        INDArray g = Nd4j.createFromArray(-3f, 0f, 0.5f, 2f);
        INDArray u = Nd4j.createFromArray(2f, 5f, -1f, 0.25f);
        INDArray out = Nd4j.exec(new SwiGluOp() {
            {
                addInputArgument(g, u);
            }
        })[0];
        for (int i = 0; i < 4; i++) {
            double x = g.getDouble(i);
            assertEquals(x / (1 + Math.exp(-x)) * u.getDouble(i), out.getDouble(i), 1e-6);
        }
    }

    /** The activation and the gradients of {@code sum(act ⊙ w)} for g and u, fused or composed. */
    private static Map<String, INDArray> gradients(INDArray ga, INDArray ua, INDArray wa, boolean fused) {
        SameDiff sd = SameDiff.create();
        SDVariable g = sd.var("g", ga.dup());
        SDVariable u = sd.var("u", ua.dup());
        SDVariable act = (fused ? SwiGluOp.swiGlu(sd, g, u) : SigmoidWithComposedGradient.silu(sd, g).mul(u))
                .rename("act");
        sd.setLossVariables(act.mul(sd.constant(wa)).sum().rename("loss"));
        Map<String, INDArray> grads = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "g", "u"));
        return Map.of("act", act.eval(), "g", grads.get("g"), "u", grads.get("u"));
    }
}
