package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.testing.LogCapture;
import dev.sinter.framework.testing.TestCorpus;
import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.util.FaultInjection;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of a run, in process: a resumed run starts at its checkpoint and leaves each metrics row once, a damaged
 * newest checkpoint is skipped, a checkpoint write failure stops the run cleanly, and a run directory in use is
 * refused. (The CLI's {@code CrashResumeCliTest} kills real processes.)
 */
class CrashSafeRunTest {
    @TempDir
    static Path shared;
    private static Path corpus;
    private static Path straight;

    @TempDir
    Path dir;

    /** The corpus, and the uninterrupted run every test compares with. */
    @BeforeAll
    static void trainStraightRun() throws IOException {
        corpus = shared.resolve("corpus.txt");
        Files.writeString(corpus, TestCorpus.sentences(60_000, 11));
        straight = new TrainingRun(config(shared, "straight")).execute().runDir();
    }

    @Test
    void aResumedRunStartsAtItsCheckpointAndWritesEachRowOnce() throws IOException {
        RunConfig interrupted = config(dir, "resumed");
        TrainingRun first = new TrainingRun(interrupted).addListener(TrainingRunTestAccess.crashAt(11));
        assertThrows(IllegalStateException.class, first::execute);

        StepRecorder steps = new StepRecorder();
        new TrainingRun(interrupted).addListener(steps).execute();

        assertEquals(List.of(9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L), steps.steps, "resumed from step-0000008");
        assertSameRun(straight, dir.resolve("resumed"));
    }

    @Test
    void aRunStartedAgainAfterItsLastCheckpointAddsNoRow() throws IOException {
        RunConfig cfg = config(dir, "done");
        Path metrics = dir.resolve("done/metrics.jsonl");
        new TrainingRun(cfg).addListener(finishRow(metrics)).execute();
        List<String> finished = Files.readAllLines(metrics);
        assertEquals(1, finished.stream().filter(l -> l.contains("\"finished\"")).count());

        // as after a kill during the end-of-run analyses: the same command again resumes at the last step
        StepRecorder steps = new StepRecorder();
        new TrainingRun(cfg).addListener(finishRow(metrics)).addListener(steps).execute();

        assertEquals(List.of(), steps.steps, "nothing left to train");
        assertEquals(finished, Files.readAllLines(metrics), "no second validation or end-of-run row");
    }

    /** A listener that writes a metrics row when training finishes, like the CLI's emergence tracking. */
    private static TrainingListener finishRow(Path metrics) {
        MetricsJsonl sink = new MetricsJsonl(metrics);
        return new TrainingListener() {
            @Override
            public void onFinish(long step) {
                sink.append(Map.of("step", step, "finished", true));
            }
        };
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedWithAWarningAndTheRunResumesFromThePreviousOne() throws IOException {
        RunConfig interrupted = config(dir, "damaged", "checkpoint.every=4", "checkpoint.keep_last=3");
        TrainingRun first = new TrainingRun(interrupted).addListener(TrainingRunTestAccess.crashAt(14));
        assertThrows(IllegalStateException.class, first::execute);
        Path newest = dir.resolve("damaged/checkpoints/step-0000012");
        try (RandomAccessFile f = new RandomAccessFile(newest.resolve(CheckpointManager.MODEL_FILE).toFile(), "rw")) {
            f.setLength(f.length() / 2); // a torn write
        }

        StepRecorder steps = new StepRecorder();
        try (LogCapture log = LogCapture.of(CheckpointManager.class)) {
            new TrainingRun(interrupted).addListener(steps).execute();
            assertTrue(log.text().contains("WARN skipping checkpoint " + newest + ": model.safetensors has "),
                    log.text());
        }
        assertEquals(9L, steps.steps.get(0), "resumed from step-0000008, the newest complete checkpoint");
        assertEquals(8, steps.steps.size());
        assertSameRun(straight, dir.resolve("damaged"));
        Path checkpoints = dir.resolve("damaged/checkpoints");
        assertEquals(List.of("step-0000008", "step-0000012", "step-0000016"), stepDirectories(checkpoints));
        assertTrue(Files.isDirectory(checkpoints.resolve(CheckpointManager.SUPERSEDED_DIR).resolve("step-0000012")),
                "the damaged checkpoint is kept aside");
    }

    @Test
    void resumingFromAnOlderCheckpointSupersedesTheNewerOnes() throws IOException {
        RunConfig interrupted = config(dir, "older", "checkpoint.every=4");
        TrainingRun first = new TrainingRun(interrupted).addListener(TrainingRunTestAccess.crashAt(14));
        assertThrows(IllegalStateException.class, first::execute);
        Path checkpoints = dir.resolve("older/checkpoints");
        assertEquals(List.of("step-0000008", "step-0000012"), stepDirectories(checkpoints));

        StepRecorder steps = new StepRecorder();
        RunConfig resumed = config(dir, "older", "checkpoint.every=4",
                "checkpoint.resume=" + checkpoints.resolve("step-0000008"));
        try (LogCapture log = LogCapture.of(CheckpointManager.class)) {
            new TrainingRun(resumed).addListener(steps).execute();
            assertTrue(log.text().contains("WARN checkpoint " + checkpoints.resolve("step-0000012")
                    + " is newer than the resume point (step 8): moved to "
                    + checkpoints.resolve("superseded/step-0000012")), log.text());
        }
        assertEquals(9L, steps.steps.get(0));
        assertEquals(List.of("step-0000012", "step-0000016"), stepDirectories(checkpoints),
                "keep_last=2 keeps the resumed timeline's checkpoints");
        assertSameRun(straight, dir.resolve("older"));
    }

    private static List<String> stepDirectories(Path checkpoints) throws IOException {
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-")).sorted().toList();
        }
    }

    @Test
    void aCheckpointWriteFailureStopsTheRunAndKeepsThePreviousCheckpoint() throws IOException {
        RunConfig cfg = config(dir, "full-disk");
        System.setProperty(FaultInjection.FAIL_CHECKPOINT_FILE, CheckpointManager.OPTIMIZER_FILE + "@16");
        UncheckedIOException e;
        try {
            e = assertThrows(UncheckedIOException.class, () -> new TrainingRun(cfg).execute());
        } finally {
            System.clearProperty(FaultInjection.FAIL_CHECKPOINT_FILE);
        }
        Path checkpoints = dir.resolve("full-disk/checkpoints");
        assertEquals("cannot write checkpoint " + checkpoints.resolve("step-0000016") + ": No space left on device"
                + " (injected by -D" + FaultInjection.FAIL_CHECKPOINT_FILE + "=optimizer.safetensors@16);"
                + " the previous checkpoint step-0000008 is intact", e.getMessage());
        try (Stream<Path> s = Files.list(checkpoints)) {
            assertEquals(List.of("step-0000008"), s.map(p -> p.getFileName().toString()).toList());
        }
        CheckpointManager.verify(checkpoints.resolve("step-0000008"));
        assertFalse(Files.exists(dir.resolve("full-disk/samples.txt")), "the run stopped at the failure");

        StepRecorder steps = new StepRecorder();
        new TrainingRun(cfg).addListener(steps).execute(); // space freed: the same run continues
        assertEquals(9L, steps.steps.get(0));
        assertSameRun(straight, dir.resolve("full-disk"));
    }

    @Test
    void aRunDirectoryInUseIsRefusedWithItsHolder() throws IOException {
        RunConfig cfg = config(dir, "busy");
        Path runDir = dir.resolve("busy");
        try (RunLock held = RunLock.acquire(runDir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new TrainingRun(cfg).execute());
            assertTrue(e.getMessage().startsWith("run directory " + runDir + " is in use by another run in this"
                    + " process (pid " + ProcessHandle.current().pid() + " on host "), e.getMessage());
            assertFalse(Files.exists(runDir.resolve("config.yaml")), "a refused run writes nothing");
            assertTrue(Files.readString(runDir.resolve(RunLock.FILE)).startsWith(
                    "pid " + ProcessHandle.current().pid() + " on host "));
        }
        new TrainingRun(cfg).execute(); // released: the directory can be used again
        assertTrue(Files.exists(runDir.resolve("samples.txt")));
    }

    @Test
    void finishersRunOnTheFinishedRunWhileItsDirectoryIsStillLocked() throws IOException {
        RunConfig cfg = config(dir, "finishing");
        Path runDir = dir.resolve("finishing");
        List<Long> finishedAt = new ArrayList<>();
        new TrainingRun(cfg).addFinisher(r -> {
            finishedAt.add(r.steps());
            assertTrue(Files.exists(r.runDir().resolve("samples.txt")), "the run is complete when finishers start");
            // a second run on the directory (e.g. `sinter train` again) is refused until the finishers are done
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunLock.acquire(runDir));
            assertTrue(e.getMessage().contains("is in use"), e.getMessage());
        }).execute();
        assertEquals(List.of((long) cfg.training().steps()), finishedAt);
        RunLock.acquire(runDir).close(); // released afterwards
    }

    /** Same losses, each row once, and bit-identical final weights and optimizer state. */
    private static void assertSameRun(Path expected, Path actual) throws IOException {
        List<JsonNode> a = rows(expected);
        List<JsonNode> b = rows(actual);
        assertEquals(a.stream().map(CrashSafeRunTest::key).toList(), b.stream().map(CrashSafeRunTest::key).toList(),
                "the same rows in the same order, each once");
        for (int i = 0; i < a.size(); i++) {
            for (String field : List.of("loss", "val_loss")) {
                if (a.get(i).has(field)) {
                    assertEquals(a.get(i).get(field).asDouble(), b.get(i).get(field).asDouble(), 0.0, key(a.get(i)));
                }
            }
        }
        Path last = Path.of("checkpoints", "step-0000016");
        for (String f : List.of(CheckpointManager.MODEL_FILE, CheckpointManager.OPTIMIZER_FILE,
                CheckpointManager.STATE_FILE)) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(last).resolve(f)),
                    Files.readAllBytes(actual.resolve(last).resolve(f)), f);
        }
    }

    private static String key(JsonNode row) {
        return row.get("step").asLong() + (row.has("loss") ? " train" : row.has("val_loss") ? " val" : " other");
    }

    private static List<JsonNode> rows(Path runDir) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            rows.add(Json.read(line));
        }
        return rows;
    }

    private static RunConfig config(Path dir, String name, String... overrides) {
        String yaml = String.join("\n",
                "name: " + name,
                "output_dir: " + dir,
                "seed: 5",
                "model: {name: tiny}",
                "data: {train: " + corpus + ", val_fraction: 0.05, seq_len: 32}",
                "training: {steps: 16, batch_size: 4, lr: 3.0e-3, warmup_steps: 2, eval_every: 5, eval_batches: 1}",
                "checkpoint: {every: 8, keep_last: 2}",
                "samples: {count: 1, max_new_tokens: 4}");
        return RunConfig.loadString(yaml, name + ".yaml", List.of(overrides));
    }

    /** The steps a run executes. */
    private static final class StepRecorder implements TrainingListener {
        final List<Long> steps = new ArrayList<>();

        @Override
        public void onStep(StepMetrics m) {
            steps.add(m.step());
        }
    }
}
