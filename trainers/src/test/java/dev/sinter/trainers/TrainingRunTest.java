package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.testing.SharedData;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingDivergedException;
import dev.sinter.framework.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end training runs of the tiny model on real text: {@code raw_sentences.txt}, the quickstart's corpus from a
 * Maven Central jar, so the runs need no shared data; learning on tinyshakespeare uses the full shared data and is
 * skipped without it.
 */
class TrainingRunTest {
    static RunConfig config(Path out, String name, String... overrides) {
        String yaml = String.join("\n",
                "name: " + name,
                "output_dir: " + out,
                "seed: 7",
                "model: {name: tiny}",
                "data:",
                "  train: classpath:raw_sentences.txt",
                "  val_fraction: 0.05",
                "  seq_len: 32",
                "  max_tokens: 200000",
                "training: {steps: 40, batch_size: 8, lr: 3.0e-3, warmup_steps: 5, eval_every: 10, eval_batches: 2}",
                "checkpoint: {every: 20, keep_last: 2}",
                "samples: {count: 1, max_new_tokens: 10}");
        return RunConfig.loadString(yaml, name + ".yaml", List.of(overrides));
    }

    @Test
    void trainingOnRealTextLowersValidationLoss(@TempDir Path dir) throws IOException {
        Path shakespeare = SharedData.require("data/corpora/tinyshakespeare.txt");
        TrainingRun.Result r = new TrainingRun(config(dir, "learn", "data.train=" + shakespeare)).execute();
        Map<Long, Double> val = validationLosses(r.runDir());
        double first = val.get(10L);
        double last = val.get(40L);
        assertTrue(first < Math.log(260), "after 10 steps the loss should be below uniform: " + first);
        assertTrue(last < first - 0.2, "validation loss should fall: step 10 " + first + ", step 40 " + last);
        for (String f : List.of("config.yaml", "provenance.json", "metrics.jsonl", "samples.txt")) {
            assertTrue(Files.exists(r.runDir().resolve(f)), f);
        }
        JsonNode prov = Json.read(r.runDir().resolve("provenance.json"));
        assertEquals(64, prov.get("train_data_sha256").asText().length());
        assertEquals(7, prov.get("seed").asLong());
        List<Path> cps = new CheckpointManager(r.runDir().resolve("checkpoints"), 2).list();
        assertEquals(List.of("step-0000020", "step-0000040"), cps.stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void resumedRunReproducesTheStraightRunExactly(@TempDir Path dir) throws IOException {
        new TrainingRun(config(dir, "straight", "training.steps=16", "checkpoint.every=8")).execute();
        RunConfig interrupted = config(dir, "resumed", "training.steps=16", "checkpoint.every=8");
        TrainingRun first = new TrainingRun(interrupted).addListener(TrainingRunTestAccess.crashAt(11));
        assertThrows(IllegalStateException.class, first::execute);
        List<Long> executed = new ArrayList<>();
        new TrainingRun(interrupted).addListener(new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                executed.add(m.step());
            }
        }).execute(); // resume: auto → continues from step 8
        assertEquals(List.of(9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L), executed, "the resumed run starts at step 8");
        Map<Long, Double> straight = trainLosses(dir.resolve("straight"));
        Map<Long, Double> resumed = trainLosses(dir.resolve("resumed"));
        assertEquals(16, straight.size());
        assertEquals(straight, resumed, "every step's loss must match after resuming from step 8");
        assertEquals(16, Files.readAllLines(dir.resolve("resumed/metrics.jsonl")).stream()
                .filter(l -> l.contains("\"loss\"")).count(), "each step's row once");
    }

    @Test
    void divergingRunStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) {
        RunConfig cfg = config(dir, "diverge", "training.lr=1.0e30", "training.warmup_steps=0", "training.grad_clip=0",
                "checkpoint.every=1", "training.steps=20");
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> new TrainingRun(cfg).execute());
        assertTrue(e.getMessage().contains("diverged at step") && e.getMessage().contains("last good checkpoint"),
                e.getMessage());
        int failedStep = Integer.parseInt(e.getMessage().replaceAll(".*at step (\\d+).*", "$1"));
        List<Path> cps = new CheckpointManager(dir.resolve("diverge/checkpoints"), 2).list();
        assertFalse(cps.isEmpty(), "the last good checkpoint must survive");
        assertEquals(String.format("step-%07d", failedStep - 1), cps.get(cps.size() - 1).getFileName().toString());
        assertTrue(cps.stream().allMatch(p -> Files.exists(p.resolve(CheckpointManager.MODEL_FILE))));
    }

    static Map<Long, Double> trainLosses(Path runDir) throws IOException {
        return metric(runDir, "loss");
    }

    static Map<Long, Double> validationLosses(Path runDir) throws IOException {
        return metric(runDir, "val_loss");
    }

    private static Map<Long, Double> metric(Path runDir, String key) throws IOException {
        Map<Long, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode n = Json.read(line);
            if (n.has(key)) {
                out.put(n.get("step").asLong(), n.get(key).asDouble());
            }
        }
        return out;
    }
}
