package dev.sinter.models.moe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.transformer.TransformerModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Float64 finite differences through router, experts, the learned mix and the load-balancing loss. */
class MoeGradientTest {
    static final ModelConfig BASE = ModelConfig.builder().dim(16).nLayers(2).nHeads(4).nKvHeads(2).hiddenDim(24)
            .vocabSize(11).maxSeqLen(16).initStd(0.3).build();

    static List<ModelConfig> variants() {
        return List.of(
                // top-1, RTS, jitter, tight capacity (drops), large aux coefficient so its gradient shows
                BASE.withMoe(MoeConfig.builder(List.of(4, 3)).layers(List.of(0, 1)).capacityFactor(0.75)
                        .minCapacity(1).auxLossCoef(0.5).jitter(0.05).build()),
                // top-2 with Gumbel noise, residual MoE with the learned mix, GELU experts
                ModelConfig.builder().dim(16).nLayers(2).nHeads(2).nKvHeads(2).hiddenDim(20).vocabSize(13)
                        .maxSeqLen(16).norm("layernorm").ropeStyle("half").ropeTheta(500).mlp("gelu")
                        .tieEmbeddings(false).initStd(0.3).build()
                        .withMoe(MoeConfig.builder(List.of(3)).moeEvery(2).topK(2).minCapacity(1).useRts(false)
                                .auxLossCoef(0.5).residual(true).expertHiddenDim(12).build()),
                // residual with DeepSpeed's learned mix and its bias, top-2 with the default use_rts
                BASE.withMoe(MoeConfig.builder(List.of(3)).moeEvery(2).topK(2).minCapacity(1).auxLossCoef(0.5)
                        .residual(true).coefficientBias(true).build()),
                // residual with the plain sum, no dropping
                BASE.withMoe(MoeConfig.builder(List.of(2)).moeEvery(2).minCapacity(0).dropTokens(false)
                        .auxLossCoef(0.5).residual(true).residualMix(MoeConfig.MIX_SUM).build()));
    }

    @ParameterizedTest
    @MethodSource("variants")
    void everyParameterMatchesFiniteDifferences(ModelConfig cfg) {
        TransformerModel m = TransformerModel.create(cfg, DataType.DOUBLE, 3);
        int[][] windows = {{1, 5, 2, 7, 3, 0}, {4, 4, 8, 1, 6, 2}};
        Map<String, INDArray> ph = m.trainingPlaceholders(windows);
        List<GradientCheck.Point> pts = GradientCheck.check(m.graph(), ph, TransformerModel.LOSS,
                m.parameterNames().stream().filter(n -> n.contains(".mlp.") || n.contains("embed")).toList(), 3, 1e-5);
        assertTrue(pts.stream().anyMatch(p -> p.variable().endsWith("mlp.gate.weight") && p.analytic() != 0));
        assertTrue(pts.stream().anyMatch(p -> p.variable().contains("experts.") && p.analytic() != 0));
        if (cfg.moe().coefficientBias()) {
            assertTrue(pts.stream().anyMatch(p -> p.variable().endsWith("mlp.coefficient.bias") && p.analytic() != 0));
        }
    }
}
