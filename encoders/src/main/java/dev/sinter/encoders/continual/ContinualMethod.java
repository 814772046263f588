package dev.sinter.encoders.continual;

import dev.sinter.framework.config.ConfigType;
import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A registered continual-learning method: its {@code continual.method.type} name, its config record and the factory
 * of its {@link ContinualLearner}. Registered by the module that implements the method, one line each (the
 * fine-tuning baselines {@code sequential} and {@code joint} by {@code EncodersPlugin}).
 *
 * @param name        the {@code continual.method.type} name
 * @param description one line for {@code sinter ls}
 * @param recordType  the {@code method:} section's record
 * @param factory     makes the learner of a run
 * @param <C>         the config record
 */
public record ContinualMethod<C extends ContinualMethodConfig>(String name, String description, Class<C> recordType,
                                                               Factory<C> factory) implements ConfigType {
    /**
     * Makes a learner from its section and the whole continual config; {@code workDir} is the learner's own folder
     * inside the run directory (its training runs, scratch files), kept across a resume.
     */
    @FunctionalInterface
    public interface Factory<C> {
        ContinualLearner create(C method, ContinualConfig run, Path workDir) throws IOException;
    }

    /** Every registered method. */
    public static Registry<ContinualMethod<?>> registry() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Registry<ContinualMethod<?>> r = (Registry) Plugins.get().registry(ContinualMethod.class);
        return r;
    }

    @Override
    public Class<?> section() {
        return ContinualMethodConfig.class;
    }

    /** The learner of {@code run}, whose {@code continual.method} section must be this method's record. */
    public ContinualLearner create(ContinualConfig run, Path workDir) throws IOException {
        return factory.create(recordType.cast(run.continual().method()), run, workDir);
    }
}
