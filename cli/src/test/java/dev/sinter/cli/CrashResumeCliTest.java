package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.testing.TestCorpus;
import dev.sinter.framework.util.FaultInjection;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinter train} killed with SIGKILL in the middle of a step, of a checkpoint write and of a validation, then
 * started again with the same command, ends exactly like an uninterrupted run: the same metrics rows, each once, and
 * bit-identical final weights and optimizer state. Each restart must resume at the newest complete checkpoint and run
 * only the steps after it; while a run is alive, a second one on its directory is refused. Real child JVMs.
 */
class CrashResumeCliTest {
    private static final int STEPS = 30;
    private static final long TIMEOUT_SECONDS = 120;
    private static final Pattern RESUMED = Pattern.compile("resumed from (\\S+) at step (\\d+)");
    private static final Pattern STEP_LOG = Pattern.compile("ProgressListener - step (\\d+) \\| loss");

    @TempDir
    Path dir;

    @Test
    void aRunKilledAtAnyMomentFinishesLikeAnUninterruptedOneWithEachRowOnce() throws Exception {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, TestCorpus.sentences(80_000, 5));
        Path config = dir.resolve("run.yaml");
        Files.writeString(config, String.join("\n",
                "output_dir: " + dir.resolve("runs"),
                "seed: 3",
                "model: {name: tiny}",
                "data: {train: " + corpus + ", val_fraction: 0.05, seq_len: 32}",
                "training: {steps: " + STEPS + ", batch_size: 4, lr: 3.0e-3, warmup_steps: 3, eval_every: 10,"
                        + " eval_batches: 2, log_every: 1}",
                "checkpoint: {every: 5, keep_last: 3}",
                "samples: {count: 1, max_new_tokens: 4}", ""));

        Child straight = Child.start(dir, config, "straight", 0);
        assertEquals(0, straight.waitFor(), straight::output);
        assertEquals(LongStream.rangeClosed(1, STEPS).boxed().toList(), straight.stepsRun());

        Path run = dir.resolve("runs/crash");
        Path metrics = run.resolve("metrics.jsonl");

        // 1. mid-step: killed once 7 step rows are on disk, then the torn line a kill during a write leaves
        Child first = Child.start(dir, config, "crash", 1);
        first.awaitOr(() -> stepRows(metrics) >= 7, "7 step rows");
        first.kill();
        assertFalse(first.output().contains("resumed from"), "the first attempt starts fresh");
        Files.writeString(metrics, "{\"step\":8,\"loss\":3.1", StandardOpenOption.APPEND);

        // 2. mid-checkpoint: paused after model.safetensors of step 15 is in the temporary directory
        long resumeAt = newestCheckpoint(run);
        Child second = Child.start(dir, config, "crash", 2, "-D" + FaultInjection.PAUSE + "=checkpoint@15");
        second.awaitOr(() -> second.output().contains("fault injection: pausing at checkpoint@15"), "checkpoint pause");
        assertTrue(Files.isDirectory(run.resolve("checkpoints/.step-0000015.tmp")));
        second.assertResumedAt(run, resumeAt);
        //    meanwhile a second `sinter train` on the same run directory is refused, naming the holder
        Child rival = Child.start(dir, config, "crash", 9);
        assertEquals(1, rival.waitFor(), rival::output);
        assertTrue(rival.output().contains("error: run directory " + run + " is in use by pid " + second.pid()
                + " on host "), rival::output);
        assertEquals(List.of(), rival.stepsRun());
        second.kill();

        // 3. mid-validation at step 20
        resumeAt = newestCheckpoint(run);
        assertEquals(10, resumeAt, "the checkpoint of step 15 was never completed");
        Child third = Child.start(dir, config, "crash", 3, "-D" + FaultInjection.PAUSE + "=validation@20");
        third.awaitOr(() -> third.output().contains("fault injection: pausing at validation@20"), "validation pause");
        third.assertResumedAt(run, resumeAt);
        assertTrue(third.output().contains("removing the unfinished checkpoint " + run.resolve(
                "checkpoints/.step-0000015.tmp")), third::output);
        third.kill();

        // 4. to the end
        resumeAt = newestCheckpoint(run);
        assertEquals(15, resumeAt);
        Child last = Child.start(dir, config, "crash", 4);
        assertEquals(0, last.waitFor(), last::output);
        last.assertResumedAt(run, resumeAt);

        List<JsonNode> expected = rows(dir.resolve("runs/straight/metrics.jsonl"));
        List<JsonNode> actual = rows(metrics);
        assertEquals(keys(expected), keys(actual), "each step, validation and emergence row once, in order");
        assertEquals(expected, actual, "the same figures (timings aside)");
        Path finalCheckpoint = Path.of("checkpoints", String.format("step-%07d", STEPS));
        for (String f : List.of(CheckpointManager.MODEL_FILE, CheckpointManager.OPTIMIZER_FILE,
                CheckpointManager.STATE_FILE)) {
            byte[] reference = Files.readAllBytes(dir.resolve("runs/straight").resolve(finalCheckpoint).resolve(f));
            assertTrue(Arrays.equals(reference, Files.readAllBytes(run.resolve(finalCheckpoint).resolve(f))),
                    f + " must be bit-identical");
        }
    }

    /** Step of the newest complete checkpoint on disk (temporary directories are not checkpoints). */
    private static long newestCheckpoint(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-"))
                    .mapToLong(n -> Long.parseLong(n.substring(5))).max().orElse(0);
        }
    }

    private static long stepRows(Path metrics) {
        try {
            return Files.exists(metrics) ? Files.readAllLines(metrics).stream().filter(l -> l.contains("\"loss\""))
                    .count() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Rows without their wall-clock fields. */
    private static List<JsonNode> rows(Path metrics) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(metrics)) {
            ObjectNode row = (ObjectNode) Json.read(line);
            row.remove(List.of("tokens_per_s", "step_s"));
            rows.add(row);
        }
        return rows;
    }

    /** Each row as step and kind: train, val or sw (super-activation emergence). */
    private static List<String> keys(List<JsonNode> rows) {
        return rows.stream().map(r -> r.get("step").asLong() + (r.has("loss") ? " train"
                : r.has("val_loss") ? " val" : r.has("sw.0.res_max") ? " sw" : " other")).toList();
    }

    /** A {@code sinter train CONFIG name=NAME} child JVM on the test classpath, its output in a file. */
    private record Child(Process process, Path log) {
        static Child start(Path dir, Path config, String name, int attempt, String... jvmOptions) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx768m", "-XX:+UseSerialGC"));
            cmd.addAll(List.of(jvmOptions));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SinterCommand.class.getName(), "train",
                    config.toString(), "name=" + name));
            Path log = dir.resolve(name + "-" + attempt + ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("OMP_NUM_THREADS", "1");
            return new Child(pb.start(), log);
        }

        long pid() {
            return process.pid();
        }

        String output() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        int waitFor() throws InterruptedException {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("sinter train did not finish in " + TIMEOUT_SECONDS + " s:\n" + output());
            }
            return process.exitValue();
        }

        /** Waits until {@code condition} holds while the process lives. */
        void awaitOr(BooleanSupplier condition, String what) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (!condition.getAsBoolean()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new AssertionError("waiting for " + what + ", the run ended or timed out:\n" + output());
                }
                Thread.sleep(10);
            }
        }

        /** SIGKILL, as {@code kill -9}. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        /** The steps this process ran, from its log lines (one per step with log_every 1). */
        List<Long> stepsRun() {
            List<Long> steps = new ArrayList<>();
            Matcher m = STEP_LOG.matcher(output());
            while (m.find()) {
                steps.add(Long.parseLong(m.group(1)));
            }
            return steps;
        }

        /** It resumed from {@code step}'s checkpoint, and the first step it ran is the next one. */
        void assertResumedAt(Path run, long step) {
            Matcher m = RESUMED.matcher(output());
            assertTrue(m.find(), () -> "no resume line:\n" + output());
            assertEquals(run.resolve("checkpoints").resolve(String.format("step-%07d", step)).toString(), m.group(1));
            assertEquals(step, Long.parseLong(m.group(2)));
            List<Long> steps = stepsRun();
            assertFalse(steps.isEmpty(), this::output);
            assertEquals(step + 1, steps.get(0), "the first step run after resuming");
            assertEquals(LongStream.rangeClosed(step + 1, steps.get(steps.size() - 1)).boxed().toList(), steps);
        }
    }
}
