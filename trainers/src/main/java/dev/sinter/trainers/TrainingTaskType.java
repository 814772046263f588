package dev.sinter.trainers;

import dev.sinter.framework.config.ConfigType;
import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;

/**
 * A registered training task: its {@code task.type} name, its config record, the model family it trains, and how
 * to open it for a run. Registered by the module that implements the task (e.g. {@code classification} by the
 * encoders module); a run without a {@code task:} section is language modelling on {@code data:}.
 *
 * @param name        the {@code task.type} name
 * @param description one line for {@code sinter ls}
 * @param recordType  the {@code task:} section's record
 * @param family      the model family the task trains
 * @param factory     opens the task of a run (reads its data)
 * @param <C>         the config record
 */
public record TrainingTaskType<C extends TaskConfig>(String name, String description, Class<C> recordType,
                                                     String family, Factory<C> factory) implements ConfigType {
    /** Opens a task from its config section and the whole run config. */
    @FunctionalInterface
    public interface Factory<C> {
        TrainingTask open(C config, RunConfig run) throws java.io.IOException;
    }

    /** Every registered training task type. */
    public static Registry<TrainingTaskType<?>> registry() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Registry<TrainingTaskType<?>> r = (Registry) Plugins.get().registry(TrainingTaskType.class);
        return r;
    }

    @Override
    public Class<?> section() {
        return TaskConfig.class;
    }

    /** The task of {@code run}, whose {@code task} section must be this type's record. */
    public TrainingTask open(RunConfig run) throws java.io.IOException {
        return factory.open(recordType.cast(run.task()), run);
    }
}
