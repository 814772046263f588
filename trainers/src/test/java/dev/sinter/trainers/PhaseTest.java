package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.trainers.smt.SmtTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.train.LearningRateSchedule;
import dev.sinter.framework.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training phases: SMT's declared warm-up → sparse list, resuming inside the warm-up, a phase past the end. */
class PhaseTest {
    static final String SMT = "trainer={type: smt, warmup_steps: 8, block_size: 8, num_blocks: 6, targets: [q, v]}";

    @Test
    void smtDeclaresItsWarmupAndSparsePhases(@TempDir Path dir) {
        Trainer smt = Trainer.of(TrainingRunTest.config(dir, "p", SMT));
        List<Phase> phases = smt.phases();
        assertEquals(List.of("warmup", "sparse"), phases.stream().map(Phase::name).toList());
        assertEquals(List.of(0L, 8L), phases.stream().map(Phase::start).toList());
        assertEquals(List.of("train"), Trainer.of(TrainingRunTest.config(dir, "f")).phases().stream()
                .map(Phase::name).toList(), "a one-phase method");
        assertThrows(IllegalArgumentException.class, () -> new Phase("x", -1, m -> m));
    }

    @Test
    void runResumedInsideTheWarmupReproducesTheStraightRun(@TempDir Path dir) throws IOException {
        String[] o = {SMT, "training.steps=12", "checkpoint.every=4", "training.eval_every=4"};
        new TrainingRun(TrainingRunTest.config(dir, "straight", o)).execute();
        RunConfig cfg = TrainingRunTest.config(dir, "resumed", o);
        TrainingRun crashing = new TrainingRun(cfg).addListener(TrainingRunTestAccess.crashAt(6));
        assertThrows(IllegalStateException.class, crashing::execute); // last checkpoint: step 4, in the warm-up
        new TrainingRun(cfg).execute();
        assertEquals(TrainingRunTest.trainLosses(dir.resolve("straight")),
                TrainingRunTest.trainLosses(dir.resolve("resumed")));
        assertEquals(Files.readString(dir.resolve("straight").resolve(SmtTrainer.SELECTION_FILE)),
                Files.readString(dir.resolve("resumed").resolve(SmtTrainer.SELECTION_FILE)),
                "the resumed warm-up sums select the same blocks");
    }

    /**
     * The official code builds a new optimizer and a new scheduler at the switch (lr {@code smt_lr}, no warm-up, over
     * the remaining steps): the first sparse step trains at {@code smt_lr} exactly and the schedule ends at its own
     * minimum; with {@code schedule: continue} the run's schedule goes on.
     */
    @Test
    void restartedScheduleStartsAtSmtLrAndResumesExactlyInsideTheSparsePhase(@TempDir Path dir) throws IOException {
        String restart = "trainer={type: smt, warmup_steps: 8, block_size: 8, num_blocks: 6, targets: [q, v],"
                + " smt_lr: 1.0e-3}";
        String[] o = {restart, "training.steps=12", "checkpoint.every=2", "training.eval_every=4"};
        TrainingRun.Result straight = new TrainingRun(TrainingRunTest.config(dir, "straight", o)).execute();
        Map<Long, Double> lr = learningRates(straight.runDir());
        LearningRateSchedule run = new LearningRateSchedule(3e-3, 3e-4, 5, 12); // TrainingRunTest's lr, min lr/10
        assertEquals(run.at(8), lr.get(8L), 1e-15, "the warm-up follows the run's schedule");
        assertEquals(1e-3, lr.get(9L), 1e-15, "the first sparse step: the official schedule's first value, smt_lr");
        LearningRateSchedule sparse = new LearningRateSchedule(1e-3, 1e-4, 0, 4); // decays to smt_lr · min_lr / lr
        assertEquals(sparse.at(1), lr.get(10L), 1e-15, "the scheduler counts from 0, as PyTorch's");
        assertEquals(sparse.at(3), lr.get(12L), 1e-15);

        RunConfig cfg = TrainingRunTest.config(dir, "resumed", o);
        TrainingRun crashing = new TrainingRun(cfg).addListener(TrainingRunTestAccess.crashAt(11));
        assertThrows(IllegalStateException.class, crashing::execute); // last checkpoint: step 10, in the sparse phase
        TrainingRun.Result resumed = new TrainingRun(cfg).execute();
        assertEquals(TrainingRunTest.trainLosses(straight.runDir()), TrainingRunTest.trainLosses(resumed.runDir()));
        assertEquals(lr, learningRates(resumed.runDir()));

        TrainingRun.Result continued = new TrainingRun(TrainingRunTest.config(dir, "continued", SMT.replace("}",
                ", schedule: continue}"), "training.steps=12", "training.eval_every=4")).execute();
        assertEquals(run.at(9), learningRates(continued.runDir()).get(9L), 1e-15, "continue: the run's schedule");
    }

    private static Map<Long, Double> learningRates(Path runDir) throws IOException {
        Map<Long, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode n = Json.read(line);
            if (n.has("lr")) {
                out.put(n.get("step").asLong(), n.get("lr").asDouble());
            }
        }
        return out;
    }

    @Test
    void aPhaseStartingAtOrAfterTheLastStepIsNeverEntered(@TempDir Path dir) throws IOException {
        TrainingRun.Result r = new TrainingRun(TrainingRunTest.config(dir, "dense", SMT, "training.steps=8",
                "training.eval_every=4", "checkpoint.every=4")).execute();
        assertEquals(8, r.steps());
        assertFalse(Files.exists(r.runDir().resolve(SmtTrainer.SELECTION_FILE)), "no blocks were selected");
        assertTrue(TrainingRunTest.trainLosses(r.runDir()).size() == 8);
    }
}
