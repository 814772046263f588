package dev.sinter.encoders.continual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.EncoderConfig;
import dev.sinter.encoders.EncoderSource;
import dev.sinter.encoders.Pooling;
import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.framework.util.Json;
import dev.sinter.models.transformer.LinearLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The fine-tuning baselines for real: a tiny random BERT (2 layers, d 32, MiniLM's vocabulary) learns the three
 * fixture tasks through the engine's classification runs, 6 steps each.
 */
class FineTuneLearnerTest {
    @TempDir
    Path dir;

    Path tinyEncoder() throws IOException {
        EncoderConfig cfg = new EncoderConfig(2, 32, 4, 64, 30522, 64, 2, 1e-12, Pooling.MEAN);
        Path out = dir.resolve("tiny-bert");
        EncoderSource.save(out, BertEncoder.create(cfg, 0, DataType.FLOAT, 7, LinearLayer.DENSE),
                PretrainedEncoder.ALL_MINILM_L6_V2.tokenizerJson(), Map.of());
        return out;
    }

    @Test
    void sequentialFineTuningChainsOneClassificationRunPerTask() throws IOException {
        ContinualConfig config = ContinualFixtures.config(dir, "seq", ContinualFixtures.tasks(dir.resolve("data")),
                "{type: sequential, trainer: {type: full}}", tinyEncoder().toString());
        ContinualRunner.Result r = ContinualRunner.run(config);
        assertEquals(3, r.rows().size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1, r.rows().get(i).accuracy().size());
            r.rows().get(i).accuracy().forEach(a -> assertTrue(a >= 0 && a <= 1, "accuracy " + a));
        }
        assertEquals("sequential", r.summary().get("method"));
        assertEquals(0, r.summary().get("prompt_sets"));
        assertEquals(null, r.summary().get("pra"));
        JsonNode perTask = Json.read(r.runDir().resolve("continual.json")).get("per_task");
        assertEquals("base", perTask.get(0).get("details").get("from").asText());
        assertEquals("previous task", perTask.get(1).get("details").get("from").asText());
        assertEquals(6, perTask.get(2).get("details").get("steps").asInt());
        assertEquals(12, perTask.get(2).get("details").get("train_examples").asInt(), "only the new task's data");
        // the third task's run is a classification run over all six classes, started from the second's classifier
        Path taskRun = r.runDir().resolve("learner/task-03");
        String taskConfig = Files.readString(taskRun.resolve("config.yaml"));
        assertTrue(taskConfig.contains("learner/task-02/classifier"), taskConfig);
        assertTrue(taskConfig.contains("- \"coffee\""), taskConfig);
        assertFalse(Files.exists(r.runDir().resolve("learner/task-01")), "finished task runs are cleaned up");
        assertTrue(Files.isRegularFile(ContinualRunner.directory(r.runDir()).state(2)
                .resolve("classifier/model.safetensors")));
    }

    @Test
    void aRestoredLearnerPredictsAndContinuesAsTheSavedOne() throws IOException {
        ContinualConfig config = ContinualFixtures.config(dir, "saved", ContinualFixtures.tasks(dir.resolve("data")),
                "{type: joint}", tinyEncoder().toString(), "training.steps=2");
        ContinualTasks tasks = ContinualTasks.read(config.continual());
        FineTuneLearner a = new FineTuneLearner((FineTuneMethodConfig) config.continual().method(), config,
                dir.resolve("a"));
        ContinualTasks.Task first = tasks.tasks().get(0);
        a.learn(0, tasks.classesThrough(0), first.newClasses(), first.train(), first.validation());
        a.save(dir.resolve("state"));
        Files.createDirectories(dir.resolve("b/task-07"));
        FineTuneLearner b = new FineTuneLearner((FineTuneMethodConfig) config.continual().method(), config,
                dir.resolve("b"));
        b.restore(dir.resolve("state"));
        assertFalse(Files.exists(dir.resolve("b/task-07")), "an interrupted timeline's task runs are removed");
        List<dev.sinter.encoders.TextClassificationData.Item> test = tasks.tasks().get(0).test();
        assertEquals(java.util.Arrays.toString(a.predict(test).labels()),
                java.util.Arrays.toString(b.predict(test).labels()));
        ContinualTasks.Task second = tasks.tasks().get(1);
        ContinualLearner.LearnReport r = b.learn(1, tasks.classesThrough(1), second.newClasses(), second.train(),
                second.validation());
        assertEquals(24, r.details().get("train_examples"), "joint keeps the restored task's data");
    }

    @Test
    void jointTrainingRetrainsFromTheBaseOnEverythingSeen() throws IOException {
        ContinualConfig config = ContinualFixtures.config(dir, "joint", ContinualFixtures.tasks(dir.resolve("data")),
                "{type: joint}", tinyEncoder().toString(), "training.steps=2");
        ContinualRunner.Result r = ContinualRunner.run(config);
        JsonNode perTask = Json.read(r.runDir().resolve("continual.json")).get("per_task");
        for (int i = 0; i < 3; i++) {
            assertEquals("base", perTask.get(i).get("details").get("from").asText());
            assertEquals(12 * (i + 1), perTask.get(i).get("details").get("train_examples").asInt());
        }
        assertEquals(List.of(1, 2, 3), r.rows().stream().map(row -> row.accuracy().size()).toList());
    }
}
