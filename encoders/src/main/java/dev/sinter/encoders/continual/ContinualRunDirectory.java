package dev.sinter.encoders.continual;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A continual run's directory, the same for the encoder and the decoder runners: the config the run was started with
 * ({@code config.yaml}; a directory holding another config's run is refused), the rows learned so far
 * ({@code progress.json}, replaced atomically, so a crash leaves either the old rows or the new ones) and the
 * learner's state after the latest task ({@code state/after-<unit>-NN}; earlier states are deleted). A run stopped
 * during task k restarts at task k from the state after task k − 1 and keeps the rows already written.
 *
 * @param <R> the runner's row type (one learned task, as {@code progress.json} stores it)
 */
public final class ContinualRunDirectory<R> {
    private static final Logger LOG = LogManager.getLogger(ContinualRunDirectory.class);
    private static final String PROGRESS = "progress.json";
    private static final String CONFIG = "config.yaml";
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path dir;
    private final String unit;
    private final JavaType rowList;

    /** What the runner's learner does with a state folder (save into it, or restore from it). */
    @FunctionalInterface
    public interface StateAction {
        /** Saves into or restores from {@code stateDir}. */
        void apply(Path stateDir) throws IOException;
    }

    /**
     * The directory {@code dir} of a run whose tasks are called {@code unit} ("task", "domain"), without touching it.
     *
     * @param rowType the row record {@code progress.json} holds
     */
    public ContinualRunDirectory(Path dir, String unit, Class<R> rowType) {
        this.dir = dir;
        this.unit = unit;
        this.rowList = Json.mapper().getTypeFactory().constructCollectionType(List.class, rowType);
    }

    /** Creates the directory and writes {@code configYaml} into it; another config's run there is an error. */
    public ContinualRunDirectory<R> prepare(String configYaml) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(CONFIG);
        if (Files.isRegularFile(file) && !Files.readString(file).equals(configYaml)) {
            throw new UsageException(dir + " holds a continual run of another config (" + file + "); choose another"
                    + " name or output_dir, or delete the directory");
        }
        Files.writeString(file, configYaml);
        return this;
    }

    /** The run directory. */
    public Path path() {
        return dir;
    }

    /** The rows learned so far (empty on a fresh run). */
    public List<R> rows() throws IOException {
        Path file = dir.resolve(PROGRESS);
        if (!Files.isRegularFile(file)) {
            return new ArrayList<>();
        }
        return new ArrayList<>(Json.mapper().<List<R>>readValue(file.toFile(), rowList));
    }

    /**
     * The rows learned so far, for a run of {@code total} tasks: a fresh run calls {@code start}, a stopped one
     * {@code restore} with the state after its last learned task.
     */
    public List<R> resume(int total, Runnable start, StateAction restore) throws IOException {
        List<R> rows = rows();
        if (rows.size() > total) {
            throw new UsageException(dir + " holds " + rows.size() + " learned " + unit + "s but the config has "
                    + total + "; use another run name");
        }
        if (rows.isEmpty()) {
            start.run();
        } else if (rows.size() < total) {
            restore.apply(state(rows.size() - 1));
            LOG.info("continual run {}: resuming at {} {} of {}", dir, unit, rows.size() + 1, total);
        }
        return rows;
    }

    /** The learner's state folder after task {@code task} (0-based). */
    public Path state(int task) {
        return dir.resolve("state").resolve(String.format(Locale.ROOT, "after-%s-%02d", unit, task + 1));
    }

    /**
     * Records task {@code task} as learned: the learner saves its state, {@code rows} (ending with the task's row)
     * replace {@code progress.json}, and the previous state, which a resume no longer needs, is deleted.
     */
    public void commit(int task, List<R> rows, StateAction save) throws IOException {
        save.apply(state(task));
        Path tmp = dir.resolve(PROGRESS + ".tmp");
        Json.writePretty(tmp, rows);
        Files.move(tmp, dir.resolve(PROGRESS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (task > 0) {
            deleteTree(state(task - 1));
        }
    }

    /** Writes {@code lines} as JSON lines into {@code file} of the run directory. */
    public void writeJsonLines(String file, List<Map<String, Object>> lines) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Map<String, Object> line : lines) {
            out.append(Json.write(line)).append('\n');
        }
        Files.writeString(dir.resolve(file), out);
    }

    /** Deletes {@code dir} and everything below it, if it exists. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A config record as the snake_case map its YAML shows. */
    public static Map<String, Object> asMap(Object configRecord) {
        try {
            return YAML.readValue(ConfigLoader.toYaml(configRecord), new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot read back the YAML of " + configRecord, e);
        }
    }

    /** {@code v}, or null when it is not finite (JSON has no NaN). */
    public static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
