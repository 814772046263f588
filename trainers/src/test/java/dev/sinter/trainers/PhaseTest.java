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

    @Test
    void aPhaseStartingAtOrAfterTheLastStepIsNeverEntered(@TempDir Path dir) throws IOException {
        TrainingRun.Result r = new TrainingRun(TrainingRunTest.config(dir, "dense", SMT, "training.steps=8",
                "training.eval_every=4", "checkpoint.every=4")).execute();
        assertEquals(8, r.steps());
        assertFalse(Files.exists(r.runDir().resolve(SmtTrainer.SELECTION_FILE)), "no blocks were selected");
        assertTrue(TrainingRunTest.trainLosses(r.runDir()).size() == 8);
    }
}
