package dev.sinter.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Two workers × micro-batch 4 against one process with batch 8 and accumulation 2, on {@code tiny}, with both engines
 * ({@code threads}: replicas on threads of this JVM; {@code spark}: a Spark job per step on {@code local[2]}): the same
 * losses at every step and the same final parameters, for full training, LoRA (with dropout, whose masks are keyed by
 * the micro-batch index) and SMT (warm-up for 2 steps, then the sparse phase); also after the driver stops and a new
 * run resumes from a checkpoint in the middle, and (Spark) after a worker's task fails and Spark runs it again.
 *
 * <p>Tolerance 1e-5 relative (of the largest |value| of each tensor, and of each loss): both engines add the workers'
 * sums in worker order, the order in which one process accumulates its micro-batches, so the float operations of the
 * sum are the same; what may differ is inside the passes: the replicas run ND4J with one thread, while the
 * single-process run may split reductions over the machine's cores and so round differently (~1e-7 relative per
 * step, compounded over 5 AdamW steps). A wrong share of micro-batches, a missing worker or a stale parameter copy
 * changes the values by 1e-3 or more.
 */
class DataParallelEqualityTest {
    private static final double TOLERANCE = 1e-5;
    private static final Map<String, String> TRAINERS = Map.of(
            "full", "trainer: {type: full}",
            "lora", "trainer: {type: lora, rank: 4, alpha: 8, dropout: 0.1, targets: [q, v, down]}",
            "smt", "trainer: {type: smt, warmup_steps: 2, block_size: 8, num_blocks: 6}");
    private static final String DISTRIBUTED = "distributed: {engine: spark, master: \"local[2]\", workers: 2}";
    private static final Map<String, String> ENGINES = Map.of(
            "spark", DISTRIBUTED,
            "threads", "distributed: {engine: threads, workers: 2}");

    @TempDir
    Path dir;

    @AfterEach
    void clearFault() {
        System.clearProperty(TaskFaults.PROPERTY);
    }

    static RunConfig config(Path out, String name, String trainer, String distributed, String... overrides) {
        String yaml = DistributedConfigTest.yaml(out, name, distributed) + "\n" + trainer;
        List<String> all = new ArrayList<>(List.of("checkpoint.every=3", "checkpoint.keep_last=5"));
        all.addAll(List.of(overrides));
        return RunConfig.loadString(yaml, name + ".yaml", all);
    }

    static TrainingRun.Result train(RunConfig config) throws IOException {
        return train(config, config.training().steps());
    }

    /** Runs {@code config}; a distributed run must compute {@code workerSteps} steps on its workers. */
    static TrainingRun.Result train(RunConfig config, long workerSteps) throws IOException {
        TrainingRun run = new TrainingRun(config);
        if (config.distributed() == null) {
            return run.execute();
        }
        try (DistributedEngine engine = SparkTraining.attach(run, config)) {
            TrainingRun.Result r = run.execute();
            assertEquals(workerSteps, engine.stats().steps(), "steps computed by the workers");
            return r;
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"threads, full", "threads, lora", "threads, smt", "spark, full", "spark, lora", "spark, smt"})
    void twoWorkersEqualOneProcessWithAccumulation(String engine, String trainer) throws IOException {
        String distributed = ENGINES.get(engine);
        TrainingRun.Result single = train(config(dir, "single", TRAINERS.get(trainer), ""));
        TrainingRun.Result spark = train(config(dir, "spark", TRAINERS.get(trainer), distributed));
        assertEquals(5, spark.steps());
        assertSameLosses(single.runDir(), spark.runDir());
        assertSameParameters(single.model().parameters(), spark.model().parameters());
        assertSameParameters(lastCheckpoint(single.runDir()), lastCheckpoint(spark.runDir())); // LoRA: the adapters

        // the driver stops after step 3's checkpoint: a new run resumes there and ends where one process ends
        RunConfig resumed = config(dir, "spark", TRAINERS.get(trainer), distributed);
        List<Path> checkpoints = new CheckpointManager(spark.runDir().resolve("checkpoints"), 5).list();
        assertEquals(2, checkpoints.size(), "checkpoints at steps 3 and 5: " + checkpoints);
        deleteRecursively(checkpoints.get(1));
        TrainingRun.Result again = train(resumed, 2);
        assertSameLosses(single.runDir(), again.runDir());
        assertSameParameters(single.model().parameters(), again.model().parameters());
        assertSameParameters(lastCheckpoint(single.runDir()), lastCheckpoint(again.runDir()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"threads, kd", "spark, kd", "threads, mos"})
    void distillationOnTwoWorkersEqualsOneProcessThroughTheKdSwitch(String engine, String type) throws IOException {
        // each worker's replica loads the teacher; KD for steps 1-3, then CE only: the stage switch mid-run
        String teacherModel = type.equals("mos")
                ? "model={name: tiny-prmoe, n_layers: 4, moe: {experts: [4, 8], layers: [1, 3]}}" : "model.name=tiny";
        Path teacher = train(config(dir, "teacher", TRAINERS.get("full"), "", teacherModel)).runDir();
        String trainer = "trainer: {type: " + type + ", teacher: \"" + teacher + "\""
                + (type.equals("mos") ? ", layer_map: [0, 3]" : "")
                + ", stages: [{until_step: 3, kd_weight: 1.0}, {until_step: null, kd_weight: 0.0}]}";
        TrainingRun.Result single = train(config(dir, "single", trainer, ""));
        TrainingRun.Result two = train(config(dir, "two", trainer, ENGINES.get(engine)));
        assertSameLosses(single.runDir(), two.runDir());
        assertSameParameters(single.model().parameters(), two.model().parameters());
        List<Long> kdSteps = stepsWith(single.runDir(), "kd_loss");
        assertEquals(List.of(1L, 2L, 3L), kdSteps, "one process logs the KD divergence while KD is on");
        assertEquals(kdSteps, stepsWith(two.runDir(), "kd_loss"), "the workers' sums say when the teacher ran");
    }

    @Test
    void theClusterPathThroughBroadcastsAndTaskResultsGivesTheSameResult() throws IOException {
        TrainingRun.Result single = train(config(dir, "single", TRAINERS.get("lora"), ""));
        RunConfig config = config(dir, "serialized", TRAINERS.get("lora"), DISTRIBUTED);
        TrainingRun run = new TrainingRun(config);
        SparkTraining.check(config);
        var spark = SparkSessions.context(SparkSessions.open(config.distributed(), "serialized"));
        TrainingRun.Result r;
        try (DistributedEngine engine = new SparkDataParallel(spark, 2, false)) { // as on a cluster: serialized
            run.distributeWith(engine);
            r = run.execute();
            assertEquals(5, engine.stats().steps());
        }
        assertSameLosses(single.runDir(), r.runDir());
        assertSameParameters(lastCheckpoint(single.runDir()), lastCheckpoint(r.runDir()));
    }

    @Test
    void threadWorkersWithSeveralMicroBatchesEachEqualOneProcess() throws IOException {
        // 2 workers × 2 micro-batches of 4 against one process accumulating 4: each worker adds its own two first
        String[] batch16 = {"training.batch_size=16"};
        TrainingRun.Result single = train(config(dir, "single", TRAINERS.get("full"), "", batch16));
        TrainingRun.Result threads = train(config(dir, "threads", TRAINERS.get("full"), ENGINES.get("threads"),
                batch16));
        assertSameLosses(single.runDir(), threads.runDir());
        assertSameParameters(single.model().parameters(), threads.model().parameters());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"threads", "spark"})
    void moeAuxLossAndLoadMetricsAreSummedOverTheWorkers(String engine) throws IOException {
        TrainingRun.Result single = train(config(dir, "single", TRAINERS.get("full"), "", "model.name=tiny-moe"));
        TrainingRun.Result spark = train(config(dir, "spark", TRAINERS.get("full"), ENGINES.get(engine),
                "model.name=tiny-moe"));
        assertSameLosses(single.runDir(), spark.runDir());
        assertSameParameters(single.model().parameters(), spark.model().parameters());
        Map<Long, Map<String, Double>> expected = moeMetrics(single.runDir());
        Map<Long, Map<String, Double>> actual = moeMetrics(spark.runDir());
        assertEquals(expected.keySet(), actual.keySet());
        assertTrue(expected.get(1L).containsKey("moe_aux_loss") && expected.get(1L).containsKey("moe.1.load.0"),
                expected.get(1L).toString());
        expected.forEach((step, metrics) -> {
            assertEquals(metrics.keySet(), actual.get(step).keySet());
            metrics.forEach((name, v) -> assertTrue(Math.abs(v - actual.get(step).get(name)) <= TOLERANCE * Math.abs(v)
                    + 1e-9, "step " + step + " " + name + ": one process " + v + ", distributed "
                    + actual.get(step).get(name)));
        });
    }

    @Test
    void aFailedWorkerTaskIsRetriedWithTheSameResult() throws IOException {
        TrainingRun.Result single = train(config(dir, "single", TRAINERS.get("full"), ""));
        int before = TaskFaults.injected();
        System.setProperty(TaskFaults.PROPERTY, "3:1"); // worker 1's first attempt at step 3 fails after its passes
        TrainingRun.Result spark = train(config(dir, "retried", TRAINERS.get("full"), DISTRIBUTED));
        assertEquals(before + 1, TaskFaults.injected(), "the failure was injected once");
        assertSameLosses(single.runDir(), spark.runDir());
        assertSameParameters(single.model().parameters(), spark.model().parameters());
    }

    private static void assertSameLosses(Path expectedRun, Path actualRun) throws IOException {
        Map<Long, Double> expected = losses(expectedRun);
        Map<Long, Double> actual = losses(actualRun);
        assertEquals(expected.keySet(), actual.keySet(), "steps with a loss");
        assertEquals(5, expected.size());
        expected.forEach((step, loss) -> assertTrue(Math.abs(loss - actual.get(step)) <= TOLERANCE * Math.abs(loss),
                "step " + step + ": one process " + loss + ", distributed " + actual.get(step)));
    }

    private static void assertSameParameters(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, e) -> {
            INDArray a = actual.get(name);
            double scale = Math.max(e.amaxNumber().doubleValue(), 1e-12);
            double diff = e.sub(a).amaxNumber().doubleValue();
            assertTrue(diff <= TOLERANCE * scale, name + ": max |Δ| " + diff + " against max |w| " + scale);
        });
    }

    /** The tensors of a run's newest checkpoint (a trainer's own: LoRA's adapters, SMT's written-back weights). */
    private static Map<String, INDArray> lastCheckpoint(Path runDir) throws IOException {
        Path latest = new CheckpointManager(runDir.resolve("checkpoints"), 5).latest().orElseThrow();
        return CheckpointManager.read(latest).parameters();
    }

    /** Step → the MoE metrics of its training row. */
    private static Map<Long, Map<String, Double>> moeMetrics(Path runDir) throws IOException {
        Map<Long, Map<String, Double>> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            var row = Json.read(line);
            if (row.has("loss")) {
                Map<String, Double> m = new TreeMap<>();
                row.fields().forEachRemaining(f -> {
                    if (f.getKey().startsWith("moe")) {
                        m.put(f.getKey(), f.getValue().asDouble());
                    }
                });
                out.put(row.get("step").asLong(), m);
            }
        }
        return out;
    }

    /** The steps whose training row has {@code metric}, in order. */
    private static List<Long> stepsWith(Path runDir, String metric) throws IOException {
        List<Long> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            var row = Json.read(line);
            if (row.has("loss") && row.has(metric)) {
                out.add(row.get("step").asLong());
            }
        }
        return out;
    }

    /** Step → training loss, from {@code metrics.jsonl}. */
    private static Map<Long, Double> losses(Path runDir) throws IOException {
        Map<Long, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            var row = Json.read(line);
            if (row.has("loss")) {
                out.put(row.get("step").asLong(), row.get("loss").asDouble());
            }
        }
        return out;
    }

    private static void deleteRecursively(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
