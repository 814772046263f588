package dev.sinter.models.config;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;

/**
 * A named model architecture ({@code model.name} in a run config): registered by the module that defines it, one
 * line in its {@link dev.sinter.framework.registry.SinterPlugin} (the built-in ones in {@link ModelsPlugin}).
 * {@link ModelSection}, {@code sinter ls} and the tests read {@link #registry()}.
 *
 * @param name        the {@code model.name} value
 * @param description one line for {@code sinter ls}
 * @param config      the architecture
 */
public record ModelPreset(String name, String description, ModelConfig config) implements Registry.Entry {
    /** Every registered preset, in registration order. */
    public static Registry<ModelPreset> registry() {
        return Plugins.get().registry(ModelPreset.class);
    }
}
