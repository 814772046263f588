package dev.sinter.eval.tasks;

import dev.sinter.framework.config.Suggest;
import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tasks as users name them ({@code --tasks}): registered {@link TaskType}s, {@code zero_shot} for the zero-shot
 * suite, or paths of YAML task definitions; and where the built-in tasks' data lives.
 */
public final class Tasks {
    /** Stands for every registered task with {@link TaskType#zeroShot()}. */
    public static final String ZERO_SHOT = "zero_shot";

    private Tasks() {
    }

    /** The shared data folder: system property {@code sinter.shared} (default {@code ../shared}) + {@code /data}. */
    public static Path defaultDataDir() {
        return Path.of(System.getProperty("sinter.shared", "../shared")).resolve("data").toAbsolutePath().normalize();
    }

    /**
     * Tasks for a comma-separated list of registered task names, {@value #ZERO_SHOT} (the zero-shot suite, in
     * registration order) and paths of YAML task definitions ({@code .yaml}/{@code .yml}).
     *
     * @throws UsageException for an unknown name (listing the registered ones), a missing YAML file or an empty list
     */
    public static List<Task> parse(String commaSeparated, Path dataDir) throws IOException {
        List<Task> out = new ArrayList<>();
        for (String raw : commaSeparated.split(",")) {
            String n = raw.strip();
            if (n.equals(ZERO_SHOT)) {
                for (TaskType t : TaskType.registry().entries()) {
                    if (t.zeroShot()) {
                        out.add(t.load(dataDir));
                    }
                }
            } else if (!n.isEmpty()) {
                out.add(one(n, dataDir));
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("no tasks given; registered: " + String.join(", ", TaskType.registry().names()));
        }
        return out;
    }

    private static Task one(String name, Path dataDir) throws IOException {
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            Path yaml = Path.of(name);
            if (!Files.isRegularFile(yaml)) {
                throw new UsageException("task file not found: " + yaml.toAbsolutePath());
            }
            return TaskSpec.fromYaml(yaml).toTask(yaml.toAbsolutePath().getParent());
        }
        List<String> names = TaskType.registry().names();
        return TaskType.registry().find(name).orElseThrow(() -> new UsageException("unknown task '" + name
                + "'; registered: " + String.join(", ", names) + Suggest.didYouMean(name, names)
                + " (or give the path of a YAML task definition)")).load(dataDir);
    }
}
