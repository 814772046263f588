package dev.sinter.encoders.continual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner with the deterministic {@link CentroidLearner}: matrix, metrics, PRA, outputs, resume, bad configs. */
class ContinualRunnerTest {
    static final String SEQUENTIAL = "{type: sequential}";

    @TempDir
    Path dir;

    ContinualConfig config(String name, String... overrides) throws IOException {
        return ContinualFixtures.config(dir, name, ContinualFixtures.tasks(dir.resolve("data")), SEQUENTIAL,
                "all-minilm-l6-v2", overrides);
    }

    @Test
    void theMatrixMetricsAndReportsFollowWhatTheLearnerDid() throws IOException {
        ContinualConfig config = config("forgetful");
        // task 0's classes are wiped from task 1 on: their accuracy drops from 1 to 0, the others stay at 1
        ContinualRunner.Result r = ContinualRunner.run(config, ContinualTasks.read(config.continual()),
                new CentroidLearner(1, -1));
        List<List<Double>> matrix = r.rows().stream().map(ContinualRunner.Row::accuracy).toList();
        assertEquals(List.of(List.of(1.0), List.of(0.0, 1.0), List.of(0.0, 1.0, 1.0)), matrix);
        assertEquals(2.0 / 3, (double) r.summary().get("final_average_accuracy"), 1e-12);
        assertEquals(0.5, (double) r.summary().get("average_forgetting"), 1e-12); // (1 + 0) / 2
        assertEquals(-0.5, (double) r.summary().get("backward_transfer"), 1e-12);
        assertEquals(3, r.summary().get("prompt_sets"));
        // task 0's examples are predicted as other tasks' classes, so they use the wrong set: 12 of 18 right
        assertEquals(12.0 / 18, (double) r.summary().get("pra"), 1e-12);
        assertEquals(1.0, r.rows().get(0).pra(), 1e-12);

        JsonNode json = Json.read(r.runDir().resolve("continual.json"));
        assertEquals("centroid", json.get("method").asText());
        assertEquals(5, json.get("seed").asInt());
        assertEquals("sequential", json.get("settings").get("type").asText());
        assertEquals(6, json.get("training").get("steps").asInt());
        assertEquals(List.of("cats", "dogs"), List.of(json.get("tasks").get(0).get("classes").get(0).asText(),
                json.get("tasks").get(0).get("classes").get(1).asText()));
        assertEquals(3, json.get("per_task").get(2).get("details").get("classes_seen").asInt() / 2);
        assertEquals(0.0, json.get("accuracy_matrix").get(2).get(0).asDouble());
        List<String> metrics = Files.readAllLines(r.runDir().resolve("metrics.jsonl"));
        assertEquals(3, metrics.size());
        assertEquals(2.0 / 3, Json.read(metrics.get(2)).get("average_accuracy").asDouble(), 1e-12);
        String html = Files.readString(r.runDir().resolve(ContinualReport.PAGE));
        assertTrue(html.contains("<td>task-03</td><td>0.0</td><td>100.0</td><td>100.0</td>"), html);
        assertTrue(html.contains("grow"), html);
        assertTrue(Files.size(r.runDir().resolve(ContinualReport.HEAT_MAP)) > 1000);
    }

    /**
     * A scripted prompt learner: tasks 0 and 1 share set 0 (the second reuses it), task 2 grows set 1; every
     * prediction is right but uses set 0, so PRA counts tasks 0 and 1's examples and none of task 2's.
     */
    static final class ReusingLearner implements ContinualLearner {
        private int sets;

        @Override
        public String name() {
            return "reusing";
        }

        @Override
        public LearnReport learn(int task, List<String> classes, List<Integer> taskClasses,
                                 List<dev.sinter.encoders.TextClassificationData.Item> train,
                                 List<dev.sinter.encoders.TextClassificationData.Item> validation) {
            boolean grow = task != 1;
            sets += grow ? 1 : 0;
            return new LearnReport(task == 2 ? 1 : 0, grow, java.util.Map.of("angles", List.of(12.5, 80.0)));
        }

        @Override
        public Predictions predict(List<dev.sinter.encoders.TextClassificationData.Item> test) {
            return new Predictions(test.stream().mapToInt(dev.sinter.encoders.TextClassificationData.Item::label)
                    .toArray(), new int[test.size()]);
        }

        @Override
        public void save(Path dir) {
        }

        @Override
        public void restore(Path dir) {
        }

        @Override
        public int promptSets() {
            return sets;
        }
    }

    @Test
    void praFollowsTheTaskToSetMapOfTheLearnReportsAndTheReportShowsReuse() throws IOException {
        ContinualConfig config = config("reuse");
        ContinualRunner.Result r = ContinualRunner.run(config, ContinualTasks.read(config.continual()),
                new ReusingLearner());
        assertEquals(List.of(1.0, 1.0), r.rows().stream().limit(2).map(ContinualRunner.Row::pra).toList());
        assertEquals(12.0 / 18, r.rows().get(2).pra(), 1e-12);
        assertEquals(List.of(1, 1, 2), r.rows().stream().map(ContinualRunner.Row::promptSets).toList());
        assertEquals(1.0, (double) r.summary().get("final_average_accuracy"), 1e-12);
        assertEquals(0.0, (double) r.summary().get("average_forgetting"), 1e-12);
        String html = Files.readString(r.runDir().resolve(ContinualReport.PAGE));
        assertTrue(html.contains("<td>task-02</td><td>0</td><td>reuse</td><td>1</td><td>100.0</td>"
                + "<td>{angles=[12.5, 80.0]}</td>"), html);
    }

    @Test
    void aRunKilledDuringATaskResumesThereFromTheStateAfterThePreviousTask() throws IOException {
        ContinualConfig straightConfig = config("straight");
        CentroidLearner straightLearner = new CentroidLearner(1, -1);
        ContinualTasks straightTasks = ContinualTasks.read(straightConfig.continual());
        ContinualRunner.Result straight = ContinualRunner.run(straightConfig, straightTasks, straightLearner);
        assertEquals(straightTasks.tasks().stream().map(t -> t.train().size()).toList(), straightLearner.previewed,
                "a fresh run previews every task's training items once");

        ContinualConfig config = config("killed");
        ContinualTasks tasks = ContinualTasks.read(config.continual());
        assertThrows(IllegalStateException.class, () -> ContinualRunner.run(config, tasks, new CentroidLearner(1, 2)));
        Path runDir = config.runDirectory();
        assertEquals(2, ContinualRunner.directory(runDir).rows().size());
        assertFalse(Files.exists(runDir.resolve("continual.json")));
        List<ContinualRunner.Row> kept = ContinualRunner.directory(runDir).rows();

        CentroidLearner fresh = new CentroidLearner(1, -1);
        ContinualRunner.Result resumed = ContinualRunner.run(config, tasks, fresh);
        assertEquals(List.of(2), fresh.learned, "only task 3 is learned again");
        assertEquals(List.of(), fresh.previewed, "a resumed run does not preview (the learner's state holds it)");
        assertEquals(ContinualRunner.directory(runDir).state(1), fresh.restoredFrom);
        assertEquals(kept, resumed.rows().subList(0, 2));
        assertEquals(straight.rows().stream().map(ContinualRunner.Row::accuracy).toList(),
                resumed.rows().stream().map(ContinualRunner.Row::accuracy).toList());
        assertEquals(straight.summary().get("pra"), resumed.summary().get("pra"));
        assertFalse(Files.exists(ContinualRunner.directory(runDir).state(1)), "only the latest state is kept");
    }

    @Test
    void aRunDirectoryOfAnotherConfigIsNotReused() throws IOException {
        String tasks = ContinualFixtures.tasks(dir.resolve("data"));
        ContinualConfig a = ContinualFixtures.config(dir, "same", tasks, SEQUENTIAL, "all-minilm-l6-v2");
        ContinualRunner.run(a, ContinualTasks.read(a.continual()), new CentroidLearner(9, -1));
        ContinualConfig b = ContinualFixtures.config(dir, "same", tasks, SEQUENTIAL, "all-minilm-l6-v2", "seed=6");
        UsageException e = assertThrows(UsageException.class,
                () -> ContinualRunner.run(b, ContinualTasks.read(b.continual()), new CentroidLearner(9, -1)));
        assertTrue(e.getMessage().contains("another config"), e.getMessage());
    }

    @Test
    void aMissingTaskFileNamesTheKeyAndThePath() throws IOException {
        ContinualConfig c = config("missing", "continual.tasks=[{train: nope.jsonl, test: nope.jsonl},"
                + " {train: nope.jsonl, test: nope.jsonl}]");
        UsageException e = assertThrows(UsageException.class, () -> ContinualTasks.read(c.continual()));
        assertEquals("continual.tasks[0].train: file not found: nope.jsonl; check the path (relative to "
                + Path.of("").toAbsolutePath() + ")", e.getMessage());
    }

    @Test
    void anEmptyTaskOrAnUnseenTestLabelIsOneClearError() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        Path train = Files.writeString(dir.resolve("train.jsonl"), "{\"text\": \"a b\", \"label\": \"x\"}\n");
        Path test = Files.writeString(dir.resolve("test.jsonl"), "{\"text\": \"a b\", \"label\": \"y\"}\n");
        ContinualConfig c1 = config("empty", "continual.tasks=[{train: " + train + ", test: " + train + "}, {train: "
                + empty + ", test: " + train + "}]");
        UsageException e1 = assertThrows(UsageException.class, () -> ContinualTasks.read(c1.continual()));
        assertTrue(e1.getMessage().startsWith("continual.tasks[1].train: " + empty + " holds no examples"),
                e1.getMessage());
        ContinualConfig c2 = config("unseen", "continual.tasks=[{train: " + train + ", test: " + test + "}, {train: "
                + train + ", test: " + train + "}]");
        UsageException e2 = assertThrows(UsageException.class, () -> ContinualTasks.read(c2.continual()));
        assertTrue(e2.getMessage().startsWith(test + ":1: label 'y' is not a class"), e2.getMessage());
    }

    @Test
    void configMistakesAreOneLineWithFileLineAndKey() {
        ConfigException both = assertThrows(ConfigException.class, () -> ContinualConfig.loadString(String.join("\n",
                "name: x", "model: {from: \"encoder:all-minilm-l6-v2\"}",
                "continual: {benchmark: b, tasks: [{train: a, test: a}, {train: a, test: a}], method: {type: joint}}",
                "training: {steps: 1, batch_size: 1, lr: 1.0e-3}"), "x.yaml", List.of()));
        assertTrue(both.getMessage().startsWith("x.yaml:3"), both.getMessage());
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        assertFalse(both.getMessage().contains("\n"));
        ConfigException method = assertThrows(ConfigException.class, () -> ContinualConfig.loadString(String.join(
                "\n", "name: x", "model: {from: \"encoder:all-minilm-l6-v2\"}",
                "continual: {benchmark: b, method: {type: sequentiall}}",
                "training: {steps: 1, batch_size: 1, lr: 1.0e-3}"), "x.yaml", List.of()));
        assertTrue(method.getMessage().contains("sequential"), method.getMessage());
        ConfigException decoder = assertThrows(ConfigException.class, () -> ContinualConfig.loadString(String.join(
                "\n", "name: x", "model: {name: tiny}", "continual: {benchmark: b, method: {type: joint}}",
                "training: {steps: 1, batch_size: 1, lr: 1.0e-3}"), "x.yaml", List.of()));
        assertTrue(decoder.getMessage().contains("encoder"), decoder.getMessage());
    }

    @Test
    void aBenchmarkDirectoryWithoutItsManifestSaysHowToBuildIt() {
        ContinualConfig c = ContinualConfig.loadString(String.join("\n", "name: x",
                "model: {from: \"encoder:all-minilm-l6-v2\"}",
                "continual: {benchmark: " + dir.resolve("nothing") + ", method: {type: joint}}",
                "training: {steps: 1, batch_size: 1, lr: 1.0e-3}"), "x.yaml", List.of());
        UsageException e = assertThrows(UsageException.class, () -> ContinualTasks.read(c.continual()));
        assertTrue(e.getMessage().contains("sinter continual-data"), e.getMessage());
        assertNull(c.continual().tasks());
    }
}
