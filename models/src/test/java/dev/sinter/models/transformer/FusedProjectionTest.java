package dev.sinter.models.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused q, k and v projection (one product over the concatenated weights, when their widths are equal) computes
 * what one product per weight computes: the same loss and the same gradient for every HF-named parameter, and the same
 * losses over a short training run.
 */
class FusedProjectionTest {
    /** One {@code mmul} per weight: {@link LinearLayer#applyShared}'s default. */
    private static final LinearLayer PER_PROJECTION = (sd, name, x, w) -> sd.mmul(x, w, false, true, false);

    static List<ModelConfig> variants() {
        return List.of(
                // multi-head: q, k and v of one width, one product; SwiGLU, RoPE
                ModelConfig.builder().dim(16).nLayers(2).nHeads(4).nKvHeads(4).hiddenDim(24).vocabSize(11)
                        .maxSeqLen(16).initStd(0.3).build(),
                // with q/k/v biases, LayerNorm, GELU
                ModelConfig.builder().dim(16).nLayers(1).nHeads(2).nKvHeads(2).hiddenDim(20).vocabSize(13)
                        .maxSeqLen(16).norm("layernorm").mlp("gelu").initStd(0.3).build().withAttentionBias(true),
                // GQA: k and v narrower than q, three products
                ModelConfig.builder().dim(12).nLayers(1).nHeads(3).nKvHeads(1).hiddenDim(16).vocabSize(9)
                        .maxSeqLen(8).initStd(0.3).build());
    }

    @ParameterizedTest
    @MethodSource("variants")
    void fusedGraphHasTheLossAndGradientsOfOneProductPerWeight(ModelConfig cfg) {
        SameDiffRuntime.init();
        TransformerModel fused = TransformerModel.create(cfg, DataType.DOUBLE, 7);
        TransformerModel separate = TransformerModel.create(cfg, DataType.DOUBLE, 7, PER_PROJECTION);
        assertEquals(separate.parameterNames(), fused.parameterNames());
        int[][] windows = {{1, 5, 2, 7, 3, 0}, {4, 4, 8, 1, 6, 2}};
        Map<String, INDArray> a = gradients(fused, windows);
        Map<String, INDArray> b = gradients(separate, windows);
        assertEquals(separate.loss(windows), fused.loss(windows), 1e-13);
        for (String p : fused.parameterNames()) {
            INDArray ga = a.get(p);
            INDArray gb = b.get(p);
            assertTrue(ga.sub(gb).amaxNumber().doubleValue() <= 1e-12 * Math.max(1, gb.amaxNumber().doubleValue()),
                    p + ": fused " + ga + " vs per projection " + gb);
        }
        assertTrue(a.get(ParameterNames.attn(0, "k")).amaxNumber().doubleValue() > 0, "k_proj got no gradient");
    }

    @Test
    void smallLikeTrainingRunHasTheSameLosses() {
        SameDiffRuntime.init();
        // d256's shape at an eighth of its size: RMSNorm, RoPE, 4 heads of q, k and v, SwiGLU
        ModelConfig cfg = ModelConfig.builder().dim(32).nLayers(2).nHeads(4).nKvHeads(4).hiddenDim(48).vocabSize(40)
                .maxSeqLen(16).build();
        List<Double> fused = trainingLosses(TransformerModel.create(cfg, DataType.FLOAT, 3));
        List<Double> separate = trainingLosses(TransformerModel.create(cfg, DataType.FLOAT, 3, PER_PROJECTION));
        assertEquals(6, fused.size());
        for (int s = 0; s < fused.size(); s++) {
            assertEquals(separate.get(s), fused.get(s), 1e-5, "step " + (s + 1));
        }
        assertTrue(fused.get(5) < fused.get(0) - 0.05, "the run did not learn: " + fused);
    }

    @Test
    void equalWidthsRunAsOneProductUnequalOnesAsOnePerWeight() {
        SameDiffRuntime.init();
        SameDiff sd = SameDiff.create();
        INDArray xv = Nd4j.rand(DataType.DOUBLE, 3, 4);
        SDVariable x = sd.var("x", xv);
        List<SDVariable> equal = List.of(sd.var("a", Nd4j.rand(DataType.DOUBLE, 2, 4)),
                sd.var("b", Nd4j.rand(DataType.DOUBLE, 2, 4)), sd.var("c", Nd4j.rand(DataType.DOUBLE, 2, 4)));
        assertEquals(0, matmuls(sd));
        List<SDVariable> parts = FusedProjection.apply(sd, x, equal); // [3, 2] each
        assertEquals(1, matmuls(sd));
        for (int j = 0; j < 3; j++) {
            assertTrue(xv.mmul(equal.get(j).getArr().transpose()).equalsWithEps(parts.get(j).eval(), 1e-12));
        }
        SDVariable loss = parts.get(0).mul(2).sum().add(parts.get(1).mul(parts.get(1)).sum())
                .add(parts.get(2).mul(-3).sum());
        sd.setLossVariables(loss);
        Map<String, INDArray> g = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "a", "b", "c"));
        INDArray yb = xv.mmul(equal.get(1).getArr().transpose()); // [3, 2]
        assertTrue(Nd4j.ones(DataType.DOUBLE, 3, 2).mul(2).transpose().mmul(xv).equalsWithEps(g.get("a"), 1e-12));
        assertTrue(yb.mul(2).transpose().mmul(xv).equalsWithEps(g.get("b"), 1e-12));
        assertTrue(Nd4j.ones(DataType.DOUBLE, 3, 2).mul(-3).transpose().mmul(xv).equalsWithEps(g.get("c"), 1e-12));

        SameDiff sd2 = SameDiff.create();
        SDVariable x2 = sd2.var("x", xv);
        List<SDVariable> unequal = List.of(sd2.var("q", Nd4j.rand(DataType.DOUBLE, 4, 4)),
                sd2.var("k", Nd4j.rand(DataType.DOUBLE, 2, 4)), sd2.var("v", Nd4j.rand(DataType.DOUBLE, 2, 4)));
        List<SDVariable> out = FusedProjection.apply(sd2, x2, unequal);
        assertEquals(3, matmuls(sd2));
        assertEquals(List.of(3L, 4L), List.of(out.get(0).eval().shape()[0], out.get(0).eval().shape()[1]));
    }

    private static long matmuls(SameDiff sd) {
        return java.util.Arrays.stream(sd.ops()).filter(op -> op.opName().equals("matmul")).count();
    }

    private static Map<String, INDArray> gradients(TransformerModel m, int[][] windows) {
        Map<String, INDArray> g = PooledExecution.gradients(m.graph(), m.trainingPlaceholders(windows),
                List.of(TransformerModel.LOSS), m.parameterNames()).getGradients();
        Map<String, INDArray> copy = new java.util.HashMap<>();
        g.forEach((k, v) -> copy.put(k, v.dup())); // the pool reuses the arrays on the next call
        return copy;
    }

    private static List<Double> trainingLosses(TransformerModel model) {
        int[] tokens = java.util.stream.IntStream.range(0, 4000).map(i -> (i * 7 + i / 13) % 40).toArray(); // learnable
        TrainingConfig tc = TrainingConfig.of(6, 4, 4, 1e-2, 1e-4, 0, 0.1, 0.9, 0.95, 1e-8, 1.0, Integer.MAX_VALUE, 1,
                1000);
        List<Double> losses = new ArrayList<>();
        new TrainingLoop(model, tc, TrainingHooks.allParameters(), new BatchSampler(tokens, 12, 1), new int[0][])
                .addListener(new TrainingListener() {
                    @Override
                    public void onStep(StepMetrics m) {
                        losses.add(m.loss());
                    }
                }).run();
        return losses;
    }
}
