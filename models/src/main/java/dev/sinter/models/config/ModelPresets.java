package dev.sinter.models.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Named model architectures: {@code tiny} (tests), {@code small} (quickstart), {@code stories260k}, {@code llama-110m}
 * (the scale check), and the DeepSpeed-MoE variants of {@code tiny} and {@code small} (papers.md §3.2): {@code -moe}
 * (top-1 MoE-4 on every other layer), {@code -pyramid} (more experts in the last MoE layer), {@code -residual} (dense
 * MLP + top-1 expert, learned mix) and {@code -prmoe} (pyramid + residual). The dense variant is the base name
 * itself.
 */
public final class ModelPresets {
    private static final Map<String, ModelConfig> PRESETS = new LinkedHashMap<>();

    static {
        // 2 layers, d 32: unit tests and gradient checks
        ModelConfig tiny = new ModelConfig(32, 2, 4, 2, 64, 260, 64, "rmsnorm", 1e-5, "rope", "adjacent",
                10000, "swiglu", true, 0.02);
        PRESETS.put("tiny", tiny);
        // ~3.3M parameters: the quickstart model (byte-level vocabulary)
        ModelConfig small = new ModelConfig(256, 4, 8, 4, 688, 260, 256, "rmsnorm", 1e-5, "rope", "adjacent",
                10000, "swiglu", true, 0.02);
        PRESETS.put("small", small);
        // Karpathy's tinyllamas stories260K architecture (llama2.c header)
        PRESETS.put("stories260k", new ModelConfig(64, 5, 8, 4, 172, 512, 512, "rmsnorm", 1e-5, "rope", "adjacent",
                10000, "swiglu", true, 0.02));
        // tiny has 2 layers: MoE on layer 1 (moe_every 2); the pyramid variants use both layers, 4 then 8 experts
        PRESETS.put("tiny-moe", tiny.withMoe(MoeConfig.of(List.of(4), 2, null, 1, false)));
        PRESETS.put("tiny-pyramid", tiny.withMoe(MoeConfig.of(List.of(4, 8), null, List.of(0, 1), 1, false)));
        PRESETS.put("tiny-residual", tiny.withMoe(MoeConfig.of(List.of(4), 2, null, 1, true)));
        PRESETS.put("tiny-prmoe", tiny.withMoe(MoeConfig.of(List.of(4, 8), null, List.of(0, 1), 1, true)));
        // small has 4 layers: MoE on layers 1 and 3 (DeepSpeed's expert interval 2)
        PRESETS.put("small-moe", small.withMoe(MoeConfig.of(List.of(4, 4), 2, null, 1, false)));
        PRESETS.put("small-pyramid", small.withMoe(MoeConfig.of(List.of(4, 8), 2, null, 1, false)));
        PRESETS.put("small-residual", small.withMoe(MoeConfig.of(List.of(4, 4), 2, null, 1, true)));
        PRESETS.put("small-prmoe", small.withMoe(MoeConfig.of(List.of(4, 8), 2, null, 1, true)));
        // ~110M parameters: the GPT-2-small-sized scale check (d 768, 12 layers, 12 heads, Llama-2's vocab 32000;
        // SwiGLU hidden 2048 ≈ 8/3·d as a Llama of this width uses; 85M in the blocks + 24.6M tied embedding)
        PRESETS.put("llama-110m", new ModelConfig(768, 12, 12, 12, 2048, 32000, 1024, "rmsnorm", 1e-5, "rope",
                "adjacent", 10000, "swiglu", true, 0.02));
    }

    private ModelPresets() {
    }

    public static Optional<ModelConfig> get(String name) {
        return Optional.ofNullable(PRESETS.get(name));
    }

    public static Map<String, ModelConfig> all() {
        return Map.copyOf(PRESETS);
    }

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }
}
