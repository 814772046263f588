package dev.sinter.encoders.continual;

import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a continual config: the tasks in order; after learning task i, the learner predicts the test split of every
 * task seen so far, giving row i of the accuracy matrix and, for a learner with prompt sets, the prompt-retrieval
 * accuracy (PRA: the fraction of test examples that used the prompt set their task was learned into, from each
 * task's {@link ContinualLearner.LearnReport#promptSet()}). After each task the learner's state is saved and the row
 * appended to {@code progress.json}, so a run stopped during task k restarts at task k from the state after task
 * k − 1, keeping the rows already written. At the end: {@code continual.json}, {@code metrics.jsonl} (one row per
 * task) and {@code continual.html} ({@link ContinualReport}).
 */
public final class ContinualRunner {
    private static final Logger LOG = LogManager.getLogger(ContinualRunner.class);

    private ContinualRunner() {
    }

    /**
     * One learned task: its row of the accuracy matrix and what learning it did.
     *
     * @param task       the task's name
     * @param accuracy   accuracy on tasks 0..i's test splits
     * @param pra        prompt-retrieval accuracy over those test examples (null without prompt sets)
     * @param promptSets prompt sets the learner holds after the task
     * @param promptSet  the set this task was learned into (-1 without prompts)
     * @param grew       whether a new set was added
     * @param details    the method's facts about the task (e.g. LW2G's angles)
     * @param seconds    wall time of learning and testing
     */
    public record Row(String task, List<Double> accuracy, Double pra, int promptSets, int promptSet, boolean grew,
                      Map<String, Object> details, double seconds) {
    }

    /** What a run produced: the rows and the summary as written to {@code continual.json}. */
    public record Result(Path runDir, List<Row> rows, Map<String, Object> summary) {
    }

    /** Runs (or resumes) {@code config} with the method it names. */
    public static Result run(ContinualConfig config) throws IOException {
        Path runDir = directory(config.runDirectory()).prepare(config.toYaml()).path();
        ContinualTasks tasks = ContinualTasks.read(config.continual());
        ContinualLearner learner = ContinualMethod.registry().get(config.continual().method().type())
                .create(config, runDir.resolve("learner"));
        return run(config, tasks, learner);
    }

    /** Runs (or resumes) {@code config}'s tasks with {@code learner} (tests pass their own learners). */
    public static Result run(ContinualConfig config, ContinualTasks tasks, ContinualLearner learner)
            throws IOException {
        ContinualRunDirectory<Row> runDir = directory(config.runDirectory()).prepare(config.toYaml());
        List<Row> rows = runDir.resume(tasks.tasks().size(),
                () -> learner.preview(tasks.tasks().stream().map(ContinualTasks.Task::train).toList()),
                learner::restore);
        for (int t = rows.size(); t < tasks.tasks().size(); t++) {
            long t0 = System.nanoTime();
            ContinualTasks.Task task = tasks.tasks().get(t);
            ContinualLearner.LearnReport report = learner.learn(t, tasks.classesThrough(t), task.newClasses(),
                    task.train(), task.validation());
            List<Integer> setOfTask = new ArrayList<>(rows.stream().map(Row::promptSet).toList());
            setOfTask.add(report.promptSet());
            List<Double> accuracy = new ArrayList<>();
            int retrieved = 0;
            int tested = 0;
            for (int j = 0; j <= t; j++) {
                List<Item> test = tasks.tasks().get(j).test();
                ContinualLearner.Predictions p = learner.predict(test);
                accuracy.add(ContinualMetrics.accuracy(p.labels(), test.stream().mapToInt(Item::label).toArray()));
                for (int s : p.promptSets()) {
                    retrieved += s == setOfTask.get(j) ? 1 : 0;
                }
                tested += test.size();
            }
            int sets = learner.promptSets();
            rows.add(new Row(task.name(), accuracy, sets > 0 ? (double) retrieved / tested : null, sets,
                    report.promptSet(), report.grew(), report.details(), (System.nanoTime() - t0) / 1e9));
            runDir.commit(t, rows, learner::save);
            LOG.info("continual run {}: after {} accuracies {}", runDir.path(), task.name(), accuracy);
        }
        Map<String, Object> summary = summary(config, tasks, learner.name(), rows);
        Json.writePretty(runDir.path().resolve("continual.json"), summary);
        runDir.writeJsonLines("metrics.jsonl", metrics(rows));
        ContinualReport.write(runDir.path(), summary, rows);
        return new Result(runDir.path(), List.copyOf(rows), summary);
    }

    /** The run directory {@code dir} of an encoder continual run. */
    static ContinualRunDirectory<Row> directory(Path dir) {
        return new ContinualRunDirectory<>(dir, "task", Row.class);
    }

    /** The summary of {@code continual.json}: settings, the matrix, the metrics and each task's learning report. */
    static Map<String, Object> summary(ContinualConfig config, ContinualTasks tasks, String method, List<Row> rows) {
        List<double[]> matrix = rows.stream().map(r -> r.accuracy().stream().mapToDouble(Double::doubleValue)
                .toArray()).toList();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", config.name());
        s.put("method", method);
        s.put("settings", ContinualRunDirectory.asMap(config.continual().method()));
        s.put("encoder", config.model().from());
        s.put("seed", config.seed());
        s.put("training", ContinualRunDirectory.asMap(config.training()));
        s.put("max_length", config.continual().maxLength());
        List<Map<String, Object>> described = new ArrayList<>();
        for (ContinualTasks.Task t : tasks.tasks()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", t.name());
            d.put("classes", t.newClasses().stream().map(tasks.classes()::get).toList());
            d.put("train", t.train().size());
            d.put("validation", t.validation().size());
            d.put("test", t.test().size());
            described.add(d);
        }
        s.put("tasks", described);
        s.put("accuracy_matrix", rows.stream().map(Row::accuracy).toList());
        s.put("final_average_accuracy", ContinualMetrics.finalAverageAccuracy(matrix));
        s.put("average_forgetting", ContinualRunDirectory.finiteOrNull(ContinualMetrics.averageForgetting(matrix)));
        s.put("backward_transfer", ContinualRunDirectory.finiteOrNull(ContinualMetrics.backwardTransfer(matrix)));
        s.put("prompt_sets", rows.get(rows.size() - 1).promptSets());
        s.put("pra", rows.get(rows.size() - 1).pra());
        s.put("per_task", rows.stream().map(ContinualRunner::describe).toList());
        return s;
    }

    /** A row with snake_case keys, as {@code continual.json} shows it. */
    private static Map<String, Object> describe(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", r.task());
        m.put("accuracy", r.accuracy());
        m.put("pra", r.pra());
        m.put("prompt_sets", r.promptSets());
        m.put("prompt_set", r.promptSet());
        m.put("grew", r.grew());
        m.put("details", r.details());
        m.put("seconds", r.seconds());
        return m;
    }

    /** One line per learned task: its accuracies, their mean, the prompt sets and PRA. */
    private static List<Map<String, Object>> metrics(List<Row> rows) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int t = 0; t < rows.size(); t++) {
            Row r = rows.get(t);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("task", t + 1);
            m.put("name", r.task());
            m.put("accuracy", r.accuracy());
            m.put("average_accuracy", r.accuracy().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
            m.put("prompt_sets", r.promptSets());
            m.put("pra", r.pra());
            m.put("seconds", r.seconds());
            lines.add(m);
        }
        return lines;
    }
}
