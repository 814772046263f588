package dev.sinter.encoders.continual;

import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Three small class-incremental tasks written by the tests: six classes, two per task, each with its own words
 * (plus shared filler), 6 train, 2 validation and 3 test rows per class; and continual configs over them.
 */
final class ContinualFixtures {
    static final List<List<String>> TASKS = List.of(List.of("cats", "dogs"), List.of("ships", "trains"),
            List.of("tea", "coffee"));

    private ContinualFixtures() {
    }

    /** Writes {@code dir/task-NN/{train,validation,test}.jsonl} and returns the {@code tasks:} YAML list. */
    static String tasks(Path dir) throws IOException {
        StringBuilder yaml = new StringBuilder("[");
        for (int t = 0; t < TASKS.size(); t++) {
            Path task = dir.resolve(ContinualTasks.taskDirectory(t));
            Files.createDirectories(task);
            write(task.resolve("train.jsonl"), TASKS.get(t), 0, 6);
            write(task.resolve("validation.jsonl"), TASKS.get(t), 6, 2);
            write(task.resolve("test.jsonl"), TASKS.get(t), 8, 3);
            yaml.append(t == 0 ? "" : ", ").append("{train: ").append(task.resolve("train.jsonl"))
                    .append(", validation: ").append(task.resolve("validation.jsonl"))
                    .append(", test: ").append(task.resolve("test.jsonl")).append("}");
        }
        return yaml.append("]").toString();
    }

    /** A continual config over the fixture tasks with {@code method} (a flow mapping). */
    static ContinualConfig config(Path dir, String name, String tasksYaml, String method, String model,
                                  String... overrides) {
        String yaml = String.join("\n",
                "name: " + name,
                "output_dir: " + dir.resolve("runs"),
                "seed: 5",
                "model: {from: \"encoder:" + model + "\"}",
                "continual: {tasks: " + tasksYaml + ", max_length: 24, method: " + method + "}",
                "training: {steps: 6, batch_size: 4, lr: 3.0e-3, warmup_steps: 0, eval_every: 6, log_every: 1}");
        return ContinualConfig.loadString(yaml, name + ".yaml", List.of(overrides));
    }

    private static void write(Path file, List<String> classes, int from, int count) throws IOException {
        StringBuilder out = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            for (String c : classes) {
                String text = c + " about " + c + " number " + i + " and some shared words";
                out.append(Json.write(Map.of("text", text, "label", c))).append('\n');
            }
        }
        Files.writeString(file, out);
    }
}
