package dev.sinter.trainers;

import dev.sinter.framework.config.ConfigType;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;

/**
 * A registered training method: its {@code trainer.type} name, its config record, and how to build the
 * {@link Trainer} of a run. Registered by the module that implements the method, one line in its
 * {@link dev.sinter.framework.registry.SinterPlugin}; config binding, {@code sinter ls} and the contract tests read
 * {@link #registry()}.
 *
 * @param name        the {@code trainer.type} name
 * @param description one line for {@code sinter ls}
 * @param recordType  the {@code trainer:} section's record
 * @param factory     builds the trainer of a run from its bound section
 * @param <C>         the config record
 */
public record TrainerType<C extends TrainerConfig>(String name, String description, Class<C> recordType,
                                                   Factory<C> factory) implements ConfigType {
    /** Builds a method's trainer from its config section and the whole run config. */
    @FunctionalInterface
    public interface Factory<C> {
        Trainer create(C config, RunConfig run);
    }

    /** Every registered trainer type. */
    public static Registry<TrainerType<?>> registry() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Registry<TrainerType<?>> r = (Registry) Plugins.get().registry(TrainerType.class);
        return r;
    }

    @Override
    public Class<?> section() {
        return TrainerConfig.class;
    }

    /** The trainer of {@code run}, whose {@code trainer} section must be this type's record. */
    public Trainer create(RunConfig run) {
        return factory.create(recordType.cast(run.trainer()), run);
    }
}
