package dev.sinter.encoders.continual;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic fake learner for the runner's tests: a nearest-centroid classifier over bag-of-words counts. Each
 * task grows one "prompt set" (its index) and an example "uses" the set of the task its predicted class came from, so
 * PRA is defined. {@code forgetAfter}: from that task on, learning wipes the centroids of the first task's classes
 * (a scripted forgetting); {@code crashAt}: learning that task throws (a killed run).
 */
final class CentroidLearner implements ContinualLearner {
    private final int forgetAfter;
    private final int crashAt;
    private Map<Integer, Map<String, Double>> centroids = new LinkedHashMap<>();
    private Map<Integer, Integer> taskOfClass = new LinkedHashMap<>();
    final List<Integer> learned = new ArrayList<>();
    final List<Integer> previewed = new ArrayList<>(); // training-set sizes the runner previewed, per task
    Path restoredFrom;

    CentroidLearner(int forgetAfter, int crashAt) {
        this.forgetAfter = forgetAfter;
        this.crashAt = crashAt;
    }

    @Override
    public void preview(List<List<Item>> trainOfEveryTask) {
        trainOfEveryTask.forEach(t -> previewed.add(t.size()));
    }

    @Override
    public String name() {
        return "centroid";
    }

    @Override
    public LearnReport learn(int task, List<String> classes, List<Integer> taskClasses, List<Item> train,
                             List<Item> validation) {
        if (task == crashAt) {
            throw new IllegalStateException("simulated crash while learning task " + task);
        }
        learned.add(task);
        for (int c : taskClasses) {
            Map<String, Double> sum = new HashMap<>();
            train.stream().filter(i -> i.label() == c).forEach(i -> words(i.first()).forEach((w, n) ->
                    sum.merge(w, n, Double::sum)));
            centroids.put(c, sum);
            taskOfClass.put(c, task);
        }
        if (task >= forgetAfter) {
            taskOfClass.forEach((c, t) -> {
                if (t == 0) {
                    centroids.put(c, Map.of());
                }
            });
        }
        return new LearnReport(task, true, Map.of("classes_seen", classes.size()));
    }

    @Override
    public Predictions predict(List<Item> test) {
        int[] labels = new int[test.size()];
        int[] sets = new int[test.size()];
        for (int i = 0; i < test.size(); i++) {
            Map<String, Double> x = words(test.get(i).first());
            int best = -1;
            double bestScore = -1;
            for (var e : centroids.entrySet()) {
                double dot = 0;
                for (var w : x.entrySet()) {
                    dot += w.getValue() * e.getValue().getOrDefault(w.getKey(), 0.0);
                }
                if (dot > bestScore) {
                    bestScore = dot;
                    best = e.getKey();
                }
            }
            labels[i] = best;
            sets[i] = taskOfClass.get(best);
        }
        return new Predictions(labels, sets);
    }

    @Override
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Json.writePretty(dir.resolve("centroids.json"), Map.of("centroids", centroids, "task_of_class", taskOfClass));
    }

    @Override
    public void restore(Path dir) throws IOException {
        Map<String, Map<Integer, Object>> s = Json.mapper().readValue(dir.resolve("centroids.json").toFile(),
                new TypeReference<>() {
                });
        centroids = new LinkedHashMap<>(Json.mapper().convertValue(s.get("centroids"),
                new TypeReference<LinkedHashMap<Integer, Map<String, Double>>>() {
                }));
        taskOfClass = new LinkedHashMap<>(Json.mapper().convertValue(s.get("task_of_class"),
                new TypeReference<LinkedHashMap<Integer, Integer>>() {
                }));
        restoredFrom = dir;
    }

    @Override
    public int promptSets() {
        return (int) taskOfClass.values().stream().distinct().count();
    }

    private static Map<String, Double> words(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String w : text.split(" ")) {
            out.merge(w, 1.0, Double::sum);
        }
        return out;
    }
}
