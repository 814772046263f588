package dev.sinter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainingRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link ThreadReplicas}, the Spark-less {@code threads2} baseline of {@link SparkBenchmark}, computes what one process
 * computes (else its timing would not be a baseline of the same work): two replicas × micro-batch 4 against batch 8
 * with accumulation 2 on {@code tiny}, and it times every step.
 */
class ThreadReplicasTest {
    @TempDir
    Path dir;

    private RunConfig config(String name) {
        return RunConfig.loadString(String.join("\n",
                "name: " + name,
                "output_dir: " + dir,
                "seed: 11",
                "model: {name: tiny}",
                "data: {train: classpath:raw_sentences.txt, seq_len: 16, max_tokens: 60000}",
                "training: {steps: 3, batch_size: 8, micro_batch_size: 4, lr: 3.0e-3, eval_every: 100,"
                        + " eval_batches: 1, log_every: 100}",
                "checkpoint: {every: 100}",
                "samples: {count: 1, max_new_tokens: 1}",
                "analysis: {emergence: false, super_weights: false, report: false}"), name + ".yaml", List.of());
    }

    @Test
    void twoThreadReplicasEqualOneProcessWithAccumulation() throws IOException {
        TrainingRun.Result single = new TrainingRun(config("single")).execute();
        TrainingRun run = new TrainingRun(config("threads"));
        TrainingRun.Result threaded;
        try (ThreadReplicas engine = new ThreadReplicas(2)) {
            run.distributeWith(engine);
            threaded = run.execute();
            assertEquals(3, engine.timings().size(), "one timing per step");
            for (ThreadReplicas.StepTiming t : engine.timings()) {
                assertEquals(2, t.passCpu().length);
                assertTrue(t.passCpu()[0] > 0 && t.passCpu()[1] > 0 && t.wall() >= t.passWall()[0], t.toString());
            }
        }
        Map<String, INDArray> expected = single.model().parameters();
        Map<String, INDArray> actual = threaded.model().parameters();
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, e) -> {
            double scale = Math.max(e.amaxNumber().doubleValue(), 1e-12);
            double diff = e.sub(actual.get(name)).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-5 * scale, name + ": max |Δ| " + diff + " against max |w| " + scale);
        });
        assertEquals(single.validationLoss(), threaded.validationLoss(), 1e-5 * Math.abs(single.validationLoss()));
    }
}
