package dev.sinter.trainers;

import dev.sinter.framework.config.ConfigType;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;
import java.util.List;

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
 * @param families    the {@link dev.sinter.models.family.ModelFamily} names the method can train; empty = every
 *                    family (a method that needs the decoder, like distillation, names it)
 * @param <C>         the config record
 */
public record TrainerType<C extends TrainerConfig>(String name, String description, Class<C> recordType,
                                                   Factory<C> factory, List<String> families) implements ConfigType {
    public TrainerType {
        families = List.copyOf(families);
    }

    /** A method that trains every model family. */
    public TrainerType(String name, String description, Class<C> recordType, Factory<C> factory) {
        this(name, description, recordType, factory, List.of());
    }

    /** Whether this method can train models of the family {@code family}. */
    public boolean supports(String family) {
        return families.isEmpty() || families.contains(family);
    }

    /** Fails with a one-line fix when this method cannot train {@code family}. */
    public void requireFamily(String family) {
        if (!supports(family)) {
            throw new IllegalArgumentException("trainer type " + name + " trains only the " + String.join(", ", families)
                    + " family, but the model is a " + family + "; choose one of "
                    + String.join(", ", registry().entries().stream().filter(t -> t.supports(family))
                    .map(TrainerType::name).toList()));
        }
    }

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
