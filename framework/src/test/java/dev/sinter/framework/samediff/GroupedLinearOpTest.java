package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.framework.testing.OpRecorder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The grouped linear op ({@link GroupedLinearOp}): gradients against float64 finite differences, values and gradients
 * against per-block SameDiff products of slices, and no weight-gradient products for frozen weights.
 */
@ExtendWith(JavaKernelsActive.class)
class GroupedLinearOpTest {
    private static final int GROUPS = 3;
    private static final int ROWS = 4; // per group
    private static final int IN = 5;
    private static final int OUT = 6;

    @Test
    void gradientMatchesFiniteDifferences() {
        SameDiff sd = graph(DataType.DOUBLE, true, true);
        OpRecorder recorder = OpRecorder.attach(sd);
        List<String> wrt = new ArrayList<>(List.of("x"));
        for (int g = 0; g < GROUPS; g++) {
            wrt.add("w" + g);
        }
        var points = GradientCheck.check(sd, Map.of(), "loss", wrt, 1000, 1e-7);
        assertEquals(GROUPS * ROWS * IN + GROUPS * OUT * IN, points.size(), "every element was checked");
        assertTrue(points.stream().allMatch(p -> Math.abs(p.analytic()) > 0), "no zero gradient");
        assertTrue(recorder.names().containsAll(List.of("sinter_grouped_linear", "sinter_grouped_linear_input_bp",
                "sinter_grouped_linear_weight_bp")), "the grouped ops ran: " + recorder.names());
    }

    @Test
    void equalsPerBlockProductsInFloat32() {
        Map<String, INDArray> grouped = valuesAndGradients(true);
        Map<String, INDArray> blocks = valuesAndGradients(false);
        assertEquals(blocks.keySet(), grouped.keySet());
        for (String name : blocks.keySet()) {
            INDArray want = blocks.get(name), got = grouped.get(name);
            assertArrayEquals(want.shape(), got.shape(), name);
            assertEquals(0.0, got.sub(want).amaxNumber().doubleValue(), 1e-5 * want.amaxNumber().doubleValue(), name);
        }
    }

    @Test
    void frozenWeightsGetNoWeightGradientProducts() {
        SameDiff sd = graph(DataType.DOUBLE, true, false);
        OpRecorder recorder = OpRecorder.attach(sd);
        INDArray dx = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "x")).get("x");
        assertFalse(recorder.names().contains("sinter_grouped_linear_weight_bp"), recorder.names().toString());
        assertTrue(recorder.names().contains("sinter_grouped_linear_input_bp"), recorder.names().toString());
        // dx_g = R_g · W_g for L = Σ y ⊙ R
        INDArray r = sd.getArrForVarName("r");
        for (int g = 0; g < GROUPS; g++) {
            INDArray rg = r.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(g * ROWS, (g + 1) * ROWS),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray want = rg.mmul(sd.getArrForVarName("w" + g));
            INDArray got = dx.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(g * ROWS, (g + 1) * ROWS),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertTrue(got.equalsWithEps(want, 1e-12), "dx of group " + g);
        }
    }

    /** {@code L = Σ y ⊙ R} over the grouped products of x {@code [G·C, in]}; weights trainable or constants. */
    private static SameDiff graph(DataType type, boolean grouped, boolean trainableWeights) {
        Nd4j.getRandom().setSeed(7);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.randn(type, GROUPS * ROWS, IN));
        SDVariable[] w = new SDVariable[GROUPS];
        for (int g = 0; g < GROUPS; g++) {
            INDArray value = Nd4j.randn(type, OUT, IN);
            w[g] = trainableWeights ? sd.var("w" + g, value) : sd.constant("w" + g, value);
        }
        SDVariable y;
        if (grouped) {
            y = GroupedLinearOp.apply(sd, x, IN, w);
        } else {
            SDVariable[] parts = new SDVariable[GROUPS];
            for (int g = 0; g < GROUPS; g++) {
                SDVariable rows = x.get(SDIndex.interval(g * ROWS, (g + 1) * ROWS), SDIndex.all()); // [C, in]
                parts[g] = sd.mmul(rows, w[g], false, true, false);
            }
            y = sd.concat(0, parts);
        }
        y.rename("y");
        SDVariable r = sd.constant("r", Nd4j.randn(type, GROUPS * ROWS, OUT));
        sd.setLossVariables(y.mul(r).sum().rename("loss"));
        return sd;
    }

    private static Map<String, INDArray> valuesAndGradients(boolean grouped) {
        SameDiff sd = graph(DataType.FLOAT, grouped, true);
        List<String> wrt = new ArrayList<>(List.of("x"));
        for (int g = 0; g < GROUPS; g++) {
            wrt.add("w" + g);
        }
        Map<String, INDArray> out = new HashMap<>(SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), wrt)));
        out.put("y", sd.outputSingle(Map.of(), "y"));
        return out;
    }
}
