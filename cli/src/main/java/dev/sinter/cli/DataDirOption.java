package dev.sinter.cli;

import dev.sinter.eval.tasks.Tasks;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data-dir} option of every command that reads the built-in tasks' data (picocli mixin). */
final class DataDirOption {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "shared data folder with eval/ and corpora/ (default: ../shared/data)")
    Path dataDir;

    /** The given folder, or {@link Tasks#defaultDataDir()}. */
    Path dir() {
        return dataDir != null ? dataDir : Tasks.defaultDataDir();
    }
}
