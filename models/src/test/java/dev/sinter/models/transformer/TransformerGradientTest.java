package dev.sinter.models.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.testing.GradientCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Float64 finite-difference gradients for every layer type of the transformer graph. */
class TransformerGradientTest {

    static List<ModelConfig> variants() {
        return List.of(
                // RMSNorm, adjacent-pair RoPE, GQA (4 query heads over 2 KV heads), SwiGLU, tied head
                ModelConfig.builder().dim(16).nLayers(2).nHeads(4).nKvHeads(2).hiddenDim(24).vocabSize(11)
                        .maxSeqLen(16).initStd(0.3).build(),
                // LayerNorm, rotate-half RoPE, multi-head (no grouping), GELU, untied head
                ModelConfig.builder().dim(16).nLayers(1).nHeads(2).nKvHeads(2).hiddenDim(20).vocabSize(13)
                        .maxSeqLen(16).norm("layernorm").ropeStyle("half").ropeTheta(500).mlp("gelu")
                        .tieEmbeddings(false).initStd(0.3).build(),
                // learned positions, multi-query (1 KV head)
                ModelConfig.builder().dim(12).nLayers(1).nHeads(3).nKvHeads(1).hiddenDim(16).vocabSize(9).maxSeqLen(8)
                        .normEps(1e-6).positions("learned").tieEmbeddings(false).initStd(0.3).build(),
                // q/k/v biases (Qwen2), rotate-half RoPE, GQA
                ModelConfig.builder().dim(16).nLayers(1).nHeads(4).nKvHeads(2).hiddenDim(24).vocabSize(11)
                        .maxSeqLen(16).normEps(1e-6).ropeStyle("half").initStd(0.3).build()
                        .withAttentionBias(true));
    }

    @ParameterizedTest
    @MethodSource("variants")
    void everyParameterMatchesFiniteDifferences(ModelConfig cfg) {
        TransformerModel m = TransformerModel.create(cfg, DataType.DOUBLE, 3);
        int[][] windows = {{1, 5, 2, 7, 3, 0}, {4, 4, 8, 1, 6, 2}}; // B=2, T=5, repeated ids exercise gather's sum
        Map<String, INDArray> ph = m.trainingPlaceholders(windows);
        List<GradientCheck.Point> pts = GradientCheck.check(m.graph(), ph, TransformerModel.LOSS,
                m.parameterNames(), 12, 1e-5);
        assertTrue(pts.size() > 12 * 5);
    }

    @Test
    void gatherPatchIsActive() {
        assertTrue(SameDiffRuntime.opPatchesActive(), "SameDiff's op registry patch did not take effect");
    }

    @Test
    void lossEqualsHandComputedCrossEntropy() {
        ModelConfig cfg = variants().get(0);
        TransformerModel m = TransformerModel.create(cfg, DataType.DOUBLE, 5);
        int[][] windows = {{1, 5, 2, 7}, {3, 0, 9, 9}};
        INDArray logits = m.logits(new int[][]{{1, 5, 2}, {3, 0, 9}}); // [B, T, V]
        double sum = 0;
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 3; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < cfg.vocabSize(); v++) {
                    max = Math.max(max, logits.getDouble(b, t, v));
                }
                double z = 0;
                for (int v = 0; v < cfg.vocabSize(); v++) {
                    z += Math.exp(logits.getDouble(b, t, v) - max);
                }
                sum += -(logits.getDouble(b, t, windows[b][t + 1]) - max - Math.log(z));
            }
        }
        assertEquals(sum / 6, m.loss(windows), 1e-12);
    }
}
