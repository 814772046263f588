package dev.sinter.framework.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Named model architectures: {@code tiny} (tests), {@code small} (quickstart), {@code stories260k}. */
public final class ModelPresets {
    private static final Map<String, ModelConfig> PRESETS = new LinkedHashMap<>();

    static {
        // 2 layers, d 32: unit tests and gradient checks
        PRESETS.put("tiny", new ModelConfig(32, 2, 4, 2, 64, 260, 64, "rmsnorm", 1e-5, "rope", "adjacent",
                10000, "swiglu", true, 0.02));
        // ~3.3M parameters: the quickstart model (byte-level vocabulary)
        PRESETS.put("small", new ModelConfig(256, 4, 8, 4, 688, 260, 256, "rmsnorm", 1e-5, "rope", "adjacent",
                10000, "swiglu", true, 0.02));
        // Karpathy's tinyllamas stories260K architecture (llama2.c header)
        PRESETS.put("stories260k", new ModelConfig(64, 5, 8, 4, 172, 512, 512, "rmsnorm", 1e-5, "rope", "adjacent",
                10000, "swiglu", true, 0.02));
    }

    private ModelPresets() {
    }

    public static Optional<ModelConfig> get(String name) {
        return Optional.ofNullable(PRESETS.get(name));
    }

    public static Map<String, ModelConfig> all() {
        return Map.copyOf(PRESETS);
    }

    public static java.util.List<String> names() {
        return java.util.List.copyOf(PRESETS.keySet());
    }
}
