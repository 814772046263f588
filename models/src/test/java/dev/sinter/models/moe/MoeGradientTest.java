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
    static final ModelConfig BASE = new ModelConfig(16, 2, 4, 2, 24, 11, 16, "rmsnorm", 1e-5, "rope", "adjacent",
            10000, "swiglu", true, 0.3);

    static List<ModelConfig> variants() {
        return List.of(
                // top-1, RTS, jitter, tight capacity (drops), large aux coefficient so its gradient shows
                BASE.withMoe(new MoeConfig(List.of(4, 3), null, List.of(0, 1), 1, 0.75, 1.0, 1, true, true, 0.5, 0.05,
                        false, MoeConfig.MIX_LEARNED, null)),
                // top-2 with Gumbel noise, residual MoE with the learned mix, GELU experts
                new ModelConfig(16, 2, 2, 2, 20, 13, 16, "layernorm", 1e-5, "rope", "half", 500, "gelu", false, 0.3)
                        .withMoe(new MoeConfig(List.of(3), 2, null, 2, 1.0, 1.0, 1, true, false, 0.5, 0.0, true,
                                MoeConfig.MIX_LEARNED, 12)),
                // residual with the plain sum, no dropping
                BASE.withMoe(new MoeConfig(List.of(2), 2, null, 1, 1.0, 1.0, 0, false, true, 0.5, 0.0, true,
                        MoeConfig.MIX_SUM, null)));
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
    }
}
