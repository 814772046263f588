package dev.sinter.models.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.samediff.SigmoidWithComposedGradient;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.framework.testing.OpRecorder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The grouped products of {@link MoeExperts}, with their dispatch gather, against float64 finite differences
 * (including dL/dx) and against the batched form they replaced: the same dispatched rows as an {@code [E, C, D]}
 * buffer times the experts' weights stacked to {@code [E, H, D]}, one batched {@code mmul} per projection.
 */
class MoeExpertsTest {
    static final int N = 7;
    static final int D = 5;
    static final int HID = 6;
    static final int CAP = 3;

    /** A graph {@code L = Σ y ⊙ R} over the experts' slot outputs y, with its parameters' names. */
    record Graph(SameDiff sd, SDVariable y, List<String> params) {
    }

    @ParameterizedTest
    @CsvSource({"1, true", "3, true", "3, false"})
    void matchesFiniteDifferencesIncludingTheInputGradient(int experts, boolean swiglu) {
        Graph g = graph(experts, swiglu, MoeExpertsTest::grouped);
        OpRecorder recorder = OpRecorder.attach(g.sd());
        List<GradientCheck.Point> pts = GradientCheck.check(g.sd(), Map.of(), "loss", g.params(), 6, 1e-6);
        assertTrue(recorder.names().containsAll(List.of("sinter_grouped_linear", "sinter_grouped_linear_input_bp",
                "sinter_grouped_linear_weight_bp")), "one grouped op per projection: " + recorder.names());
        assertTrue(pts.stream().anyMatch(p -> p.variable().equals("x") && p.analytic() != 0));
        assertTrue(pts.stream().anyMatch(p -> p.variable().endsWith("down_proj.weight") && p.analytic() != 0));
    }

    @ParameterizedTest
    @CsvSource({"1, true", "3, true", "3, false"})
    void givesTheBatchedProductsOutputsAndGradients(int experts, boolean swiglu) {
        Graph grouped = graph(experts, swiglu, MoeExpertsTest::grouped);
        Graph batched = graph(experts, swiglu, MoeExpertsTest::batched);
        assertEquals(batched.params(), grouped.params(), "weights are registered in the same order");
        INDArray want = batched.sd().outputSingle(Map.of(), batched.y().name());
        INDArray got = grouped.sd().outputSingle(Map.of(), grouped.y().name());
        assertArrayEquals(new long[]{experts * CAP, D}, got.shape());
        assertTrue(got.equalsWithEps(want, 1e-12), "outputs differ:\n" + got + "\n" + want);
        // the named per-slot views that activation scans read
        Map<String, INDArray> named = grouped.sd().output(Map.of(), MoeNames.expertDownInput(0),
                MoeNames.expertDownOutput(0));
        assertArrayEquals(new long[]{experts, CAP, HID}, named.get(MoeNames.expertDownInput(0)).shape());
        assertEquals(want.reshape(experts, CAP, D), named.get(MoeNames.expertDownOutput(0)));
        Map<String, INDArray> wantGrad = SameDiffRuntime.quietly(
                () -> batched.sd().calculateGradients(Map.of(), batched.params()));
        Map<String, INDArray> gotGrad = SameDiffRuntime.quietly(
                () -> grouped.sd().calculateGradients(Map.of(), grouped.params()));
        for (String p : batched.params()) {
            assertTrue(wantGrad.get(p).amaxNumber().doubleValue() > 0, p + " has a zero reference gradient");
            assertTrue(gotGrad.get(p).equalsWithEps(wantGrad.get(p), 1e-12), "gradient of " + p + " differs");
        }
    }

    /**
     * x {@code [N, D]} and E experts' seeded weights; slots {@code [E·C]} that read tokens 3 and 0 twice (top-2),
     * leave token 5 out (dropped) and fill the last, empty slot with row 0; {@code L = Σ y ⊙ R} for a fixed random R.
     */
    static Graph graph(int experts, boolean swiglu, ExpertsForm form) {
        SameDiffRuntime.init();
        SameDiff sd = SameDiff.create();
        List<String> params = new ArrayList<>(List.of("x"));
        Nd4j.getRandom().setSeed(11);
        SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, N, D));
        int[] slots = {3, 0, 6, 1, 3, 4, 2, 0, 0}; // expert-major; E = 1 uses the first C
        int[] used = Arrays.copyOf(slots, experts * CAP);
        SDVariable slotIdx = sd.constant(Nd4j.createFromArray(used));
        SDVariable cap = sd.constant(Nd4j.createFromArray((long) CAP));
        MoeLayer.Context ctx = context(sd, params);
        SDVariable y = form.apply(sd, ctx, experts, swiglu, x, slotIdx, cap);
        INDArray r = Nd4j.randn(DataType.DOUBLE, experts * CAP, D);
        sd.setLossVariables(sd.identity("loss", y.mul(sd.constant(r)).sum()));
        return new Graph(sd, y, params);
    }

    /** One way to compute the experts' slot outputs {@code [E·C, D]}. */
    interface ExpertsForm {
        SDVariable apply(SameDiff sd, MoeLayer.Context ctx, int experts, boolean swiglu, SDVariable x,
                         SDVariable slotIdx, SDVariable cap);
    }

    static SDVariable grouped(SameDiff sd, MoeLayer.Context ctx, int experts, boolean swiglu, SDVariable x,
                              SDVariable slotIdx, SDVariable cap) {
        return MoeExperts.apply(sd, ctx, 0, experts, D, HID, swiglu, 0.5, 0.4, sd.gather(x, slotIdx, 0), cap);
    }

    /** The replaced form: gather to {@code [E, C, D]}, stacked weights, batched products over the expert axis. */
    static SDVariable batched(SameDiff sd, MoeLayer.Context ctx, int experts, boolean swiglu, SDVariable x,
                              SDVariable slotIdx, SDVariable cap) {
        SDVariable buf = sd.reshape(sd.gather(x, slotIdx, 0), experts, CAP, D); // [E, C, D]
        BiFunction<String, double[], SDVariable> stacked = (p, stdShape) -> {
            SDVariable[] ws = new SDVariable[experts];
            for (int j = 0; j < experts; j++) {
                ws[j] = ctx.expertWeight(MoeNames.expert(0, j, p), stdShape[0], (int) stdShape[1], (int) stdShape[2]);
            }
            return sd.stack(0, ws); // [E, out, in]
        };
        SDVariable gate = swiglu ? sd.mmul(buf, stacked.apply("gate", new double[]{0.5, HID, D}), false, true, false)
                : null;
        SDVariable up = sd.mmul(buf, stacked.apply("up", new double[]{0.5, HID, D}), false, true, false);
        SDVariable act = ctx.activate(gate, up); // [E, C, H]
        SDVariable y3 = sd.mmul(act, stacked.apply("down", new double[]{0.4, D, HID}), false, true, false);
        return sd.reshape(y3, -1, D);
    }

    /** Seeded float64 weights by name (the same values in both forms), SwiGLU or tanh. */
    static MoeLayer.Context context(SameDiff sd, List<String> params) {
        Map<String, Long> seeds = new HashMap<>();
        return new MoeLayer.Context() {
            @Override
            public SDVariable weight(String name, double std, int out, int in) {
                params.add(name);
                Nd4j.getRandom().setSeed(seeds.computeIfAbsent(name, n -> (long) n.hashCode()));
                return sd.var(name, Nd4j.randn(DataType.DOUBLE, out, in).muli(std));
            }

            @Override
            public SDVariable activate(SDVariable gate, SDVariable up) {
                return gate == null ? sd.math().tanh(up) : SigmoidWithComposedGradient.silu(sd, gate).mul(up);
            }

            @Override
            public SDVariable bias(String name, int n) {
                throw new UnsupportedOperationException("experts have no bias");
            }

            @Override
            public SDVariable shape(Object... dims) {
                SDVariable[] parts = new SDVariable[dims.length];
                for (int j = 0; j < dims.length; j++) {
                    parts[j] = dims[j] instanceof SDVariable s ? s.castTo(DataType.LONG)
                            : sd.constant(Nd4j.createFromArray(((Number) dims[j]).longValue()));
                }
                return sd.concat(0, parts);
            }
        };
    }
}
