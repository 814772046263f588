package dev.sinter.eval.tasks;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A registered evaluation task ({@code --tasks NAME}): its name, whether it belongs to the zero-shot suite, and how to
 * load it from the shared data folder. Registered by the module that implements it, one line in its
 * {@link dev.sinter.framework.registry.SinterPlugin} (the built-in ones in {@link EvalPlugin});
 * {@link Tasks#parse}, {@code sinter ls} and the tests read {@link #registry()}.
 *
 * @param name        the task's name on the command line and in results
 * @param description one line for {@code sinter ls}
 * @param zeroShot    whether {@code zero_shot} includes it (the twelve zero-shot tasks, in report order)
 * @param loader      loads the task from the data folder ({@code <shared>/data}: {@code eval/}, {@code corpora/})
 */
public record TaskType(String name, String description, boolean zeroShot, Loader loader) implements Registry.Entry {
    /** Loads a task from the shared data folder. */
    @FunctionalInterface
    public interface Loader {
        Task load(Path dataDir) throws IOException;
    }

    /** Every registered task, in registration order. */
    public static Registry<TaskType> registry() {
        return Plugins.get().registry(TaskType.class);
    }

    /** The task, read from {@code dataDir}. */
    public Task load(Path dataDir) throws IOException {
        return loader.load(dataDir);
    }
}
