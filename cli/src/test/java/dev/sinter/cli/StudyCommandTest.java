package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.cli.CliHarness.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sinter validate} and {@code sinter study} on study files: shipped ones validate, mistakes are one line. */
class StudyCommandTest {
    @TempDir
    Path dir;

    @Test
    void validateChecksTheShippedStudies() {
        Path moe = CliHarness.CONFIGS.resolve("studies/prmoe-ablation.yaml");
        Path ft = CliHarness.CONFIGS.resolve("studies/finetune-smt-lora-full.yaml");
        Outcome o = CliHarness.run("validate", moe.toString(), ft.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("ok " + moe + " (1 stages, 3 seeds, 8 claims)"), o.out());
        assertTrue(o.out().contains("ok " + ft + " (2 stages, 3 seeds, 7 claims)"), o.out());
    }

    @Test
    void aBadStudyStopsBeforeAnyWorkWithItsLocation() throws IOException {
        Path study = dir.resolve("bad.yaml");
        Files.writeString(study, """
                name: bad
                output_dir: %s
                seeds: [1]
                stages:
                  base: {kind: train, config: %s}
                  ft:
                    kind: train
                    config: %s
                    set:
                      model.from: ${stages.eval.run}
                """.formatted(dir.resolve("runs"), CliHarness.CONFIGS.resolve("quickstart.yaml").toAbsolutePath(),
                CliHarness.CONFIGS.resolve("quickstart.yaml").toAbsolutePath()));
        String expected = "error: " + study + ":10: stages.ft.set.model.from: must refer to a stage: ${stages.eval.run}"
                + " names no stage 'eval'; stages before 'ft': base\n";
        Outcome validate = CliHarness.run("validate", study.toString());
        assertEquals(2, validate.code());
        assertEquals(expected, validate.err());
        Outcome run = CliHarness.run("study", study.toString());
        assertEquals(2, run.code());
        assertEquals(expected, run.err());
        assertTrue(Files.notExists(dir.resolve("runs")), "nothing ran");
    }

    @Test
    void aRunKeyTheStudyOwnsIsRefused() throws IOException {
        Outcome o = CliHarness.run("study", CliHarness.CONFIGS.resolve("studies/prmoe-ablation.yaml").toString(),
                "seed=3");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("(override seed=3): seed: a study names, places and seeds every run itself;"
                + " remove it"), o.err());
    }
}
