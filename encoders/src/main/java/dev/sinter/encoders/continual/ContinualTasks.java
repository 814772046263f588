package dev.sinter.encoders.continual;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tasks of a continual run, read from the {@code continual:} section: every class gets a global id in order of
 * first appearance in the tasks' training files, so task t's new classes follow all earlier ones; a task's
 * validation and test rows may only name classes seen up to that task.
 *
 * @param classes every class, by global id
 * @param tasks   the tasks in order
 */
public record ContinualTasks(List<String> classes, List<Task> tasks) {
    /**
     * One task with global class ids.
     *
     * @param name       its name in reports
     * @param newClasses the global ids of the classes it adds
     * @param train      training items
     * @param validation validation items (possibly empty)
     * @param test       test items
     */
    public record Task(String name, List<Integer> newClasses, List<Item> train, List<Item> validation,
                       List<Item> test) {
    }

    /** The classes seen up to and including task {@code t} (ids are given in task order, so a prefix). */
    public List<String> classesThrough(int t) {
        return classes.subList(0, tasks.subList(0, t + 1).stream().mapToInt(k -> k.newClasses().size()).sum());
    }

    /**
     * Reads the section's tasks; a missing file, an empty task, a malformed row or a label that appears in a task's
     * validation or test rows before any training row names it is a one-line {@link UsageException}.
     */
    public static ContinualTasks read(ContinualConfig.Section section) throws IOException {
        List<ContinualConfig.TaskFiles> files = section.tasks() != null ? section.tasks()
                : benchmarkTasks(Path.of(section.benchmark()));
        List<String> classes = new ArrayList<>();
        List<Task> tasks = new ArrayList<>();
        for (int t = 0; t < files.size(); t++) {
            ContinualConfig.TaskFiles f = files.get(t);
            String key = "continual.tasks[" + t + "]";
            String name = f.name() != null ? f.name() : taskDirectory(t);
            int before = classes.size();
            List<Item> train = rows(Path.of(f.train()), key + ".train", classes, true);
            if (train.isEmpty()) {
                throw new UsageException(key + ".train: " + f.train() + " holds no examples; every task needs training"
                        + " rows");
            }
            List<Item> validation = f.validation() == null ? List.of()
                    : rows(Path.of(f.validation()), key + ".validation", classes, false);
            List<Item> test = rows(Path.of(f.test()), key + ".test", classes, false);
            if (test.isEmpty()) {
                throw new UsageException(key + ".test: " + f.test() + " holds no examples; every task needs test rows");
            }
            List<Integer> added = new ArrayList<>();
            for (int c = before; c < classes.size(); c++) {
                added.add(c);
            }
            tasks.add(new Task(name, List.copyOf(added), train, validation, test));
        }
        return new ContinualTasks(List.copyOf(classes), List.copyOf(tasks));
    }

    /** {@code task-01}, {@code task-02}, … : the folders {@code SourceIdentificationBenchmark} writes. */
    static String taskDirectory(int task) {
        return String.format(Locale.ROOT, "task-%02d", task + 1);
    }

    /** The task files of a {@code sinter continual-data} directory, as many as its {@code benchmark.json} lists. */
    private static List<ContinualConfig.TaskFiles> benchmarkTasks(Path dir) throws IOException {
        Path manifest = dir.resolve("benchmark.json");
        if (!Files.isRegularFile(manifest)) {
            throw new UsageException("continual.benchmark: " + dir + " holds no benchmark.json; write it with sinter "
                    + "continual-data --out " + dir);
        }
        int n = Json.read(manifest).path("tasks").size();
        List<ContinualConfig.TaskFiles> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            Path task = dir.resolve(taskDirectory(t));
            Path validation = task.resolve("validation.jsonl");
            out.add(new ContinualConfig.TaskFiles(taskDirectory(t), task.resolve("train.jsonl").toString(),
                    Files.size(orMissing(validation)) == 0 ? null : validation.toString(),
                    task.resolve("test.jsonl").toString()));
        }
        return out;
    }

    private static Path orMissing(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("continual.benchmark: file not found: " + file + "; rebuild the benchmark with "
                    + "sinter continual-data");
        }
        return file;
    }

    /** The rows of {@code file}; {@code learnsClasses}: unknown labels become new classes, else they are errors. */
    private static List<Item> rows(Path file, String key, List<String> classes, boolean learnsClasses)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(key + ": file not found: " + file + "; check the path (relative to "
                    + Path.of("").toAbsolutePath() + ")");
        }
        List<Item> out = new ArrayList<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode row;
            try {
                row = Json.read(line);
            } catch (IOException e) {
                throw new UsageException(file + ":" + number + ": not a JSON object; rows are {\"text\": …, \"label\": …}");
            }
            if (!row.path("text").isTextual() || !row.path("label").isTextual()) {
                throw new UsageException(file + ":" + number + ": needs string fields text and label, got " + row);
            }
            String label = row.get("label").asText();
            int id = classes.indexOf(label);
            if (id < 0) {
                if (!learnsClasses) {
                    throw new UsageException(file + ":" + number + ": label '" + label + "' is not a class of this or"
                            + " an earlier task's training rows " + classes);
                }
                classes.add(label);
                id = classes.size() - 1;
            }
            out.add(new Item(row.get("text").asText(), null, id));
        }
        return List.copyOf(out);
    }
}
