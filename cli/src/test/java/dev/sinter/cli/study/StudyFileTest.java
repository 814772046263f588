package dev.sinter.cli.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sinter.framework.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A study file's mistakes stop it before any work, each with the file, line, key path and a fix. */
class StudyFileTest {
    @TempDir
    Path dir;

    private static final String VALID = """
            name: toy
            seeds: [1, 2]
            stages:
              base:
                kind: train
                config: run.yaml
              ft:
                kind: sweep
                config: run.yaml
                set:
                  model.from: ${stages.base.run}
                variants:
                  full: {}
                  short: {training: {steps: 1, batch_size: 2, lr: 0.01}}
            metrics:
              base: ${stages.base.run}/summary.json#/validation_loss
              full: ${stages.ft.runs.full}/summary.json#/validation_loss
            claims:
              ft_helps:
                paper: fine-tuning lowers the loss
                holds: full < base
            """;

    /** The error for the valid study with {@code from} replaced by {@code to}. */
    private String error(String from, String to) throws IOException {
        String text = VALID.replace(from, to);
        if (text.equals(VALID)) {
            throw new IllegalArgumentException("no change: " + from);
        }
        Path f = dir.resolve("study.yaml");
        Files.writeString(f, text);
        return assertThrows(ConfigException.class, () -> StudyFile.load(f, List.of())).getMessage();
    }

    @Test
    void theValidStudyLoads() throws IOException {
        Path f = dir.resolve("study.yaml");
        Files.writeString(f, VALID);
        StudyFile study = StudyFile.load(f, List.of());
        assertEquals(List.of("base", "ft"), List.copyOf(study.stages().keySet()));
        assertEquals(java.util.Set.of("full", "short"), study.stages().get("ft").variantNames());
        assertEquals(List.of(1L, 2L), study.seeds());
    }

    @Test
    void unknownKind() throws IOException {
        assertEquals(dir.resolve("study.yaml") + ":5: stages.base.kind: must be one of train, sweep, evaluate,"
                + " analyze, quantize, got 'tran'; did you mean 'train'?", error("kind: train", "kind: tran"));
    }

    @Test
    void referenceToALaterOrUnknownStage() throws IOException {
        String later = error("config: run.yaml\n  ft:", "config: run.yaml\n    set: {model.from: \"${stages.ft.run}\"}\n  ft:");
        assertEquals(dir.resolve("study.yaml") + ":7: stages.base.set.model.from: must refer to an earlier stage:"
                + " ${stages.ft.run} names 'ft', which runs after 'base' (stages run in file order); move 'ft' above"
                + " 'base' or refer to one of: none", later);
        assertEquals(dir.resolve("study.yaml") + ":11: stages.ft.set.model.from: must refer to a stage:"
                + " ${stages.bse.run} names no stage 'bse'; did you mean 'base'?; stages before 'ft': base",
                error("model.from: ${stages.base.run}", "model.from: ${stages.bse.run}"));
        assertEquals(dir.resolve("study.yaml") + ":17: metrics.full: must name a variant of stage 'ft':"
                + " ${stages.ft.runs.fulll} asks for 'fulll'; did you mean 'full'?; its runs: full, short",
                error("runs.full}", "runs.fulll}"));
        assertEquals(dir.resolve("study.yaml") + ":16: metrics.base: must name an output of stage 'base':"
                + " ${stages.base.results} asks for 'results', but a train stage has: run, dir",
                error("${stages.base.run}/summary", "${stages.base.results}/summary"));
    }

    @Test
    void gridValuesHoldNoReferences() throws IOException {
        assertEquals(dir.resolve("study.yaml") + ":9: stages.ft.grid: must not hold references (a grid value names"
                + " its runs); put the reference under set: or in a variant, got grid.model.from: [\"${stages.base.run}\"]",
                error("    kind: sweep\n", "    kind: sweep\n    grid: {model.from: [\"${stages.base.run}\"]}\n"));
    }

    @Test
    void badClaimExpression() throws IOException {
        assertEquals(dir.resolve("study.yaml") + ":21: claims.ft_helps.holds: must be a comparison of declared"
                + " metrics: 'full < bse' at character 8: unknown metric 'bse'; did you mean 'base'?; declare it"
                + " under metrics: (declared: base, full); write one comparison, e.g. 'moe8 < moe4', 'dense - moe8 >"
                + " 0.01' or 'abs(pyramid - residual) < 0.05'", error("holds: full < base", "holds: full < bse"));
        String noOp = error("holds: full < base", "holds: full base");
        assertEquals(dir.resolve("study.yaml") + ":21: claims.ft_helps.holds: must be a comparison of declared"
                + " metrics: 'full base' at character 6: 'b' where a comparison (<, <=, >, >=) is expected; write"
                + " one comparison, e.g. 'moe8 < moe4', 'dense - moe8 > 0.01' or 'abs(pyramid - residual) < 0.05'",
                noOp);
    }

    @Test
    void missingSeedsAndKeysOfAnotherKind() throws IOException {
        assertEquals(dir.resolve("study.yaml") + ":2: seeds: must list at least one seed (each runs the whole"
                + " pipeline), e.g. seeds: [1, 2, 3]", error("seeds: [1, 2]", "seeds: []"));
        assertEquals(dir.resolve("study.yaml") + ":1: seeds: must list at least one seed (each runs the whole"
                + " pipeline), e.g. seeds: [1, 2, 3]", error("seeds: [1, 2]\n", ""));
        assertEquals(dir.resolve("study.yaml") + ":7: stages.base.tasks: must not be set on a train stage; its"
                + " keys: kind, config, set", error("config: run.yaml\n  ft:", "config: run.yaml\n    tasks: [piqa]\n  ft:"));
        assertEquals(dir.resolve("study.yaml") + ":17: metrics.full: must be REFERENCE[/FILE]#/JSON/POINTER, e.g."
                + " \"${stages.base.run}/summary.json#/validation_loss\" or \"${stages.eval.results}#/results/piqa/acc\","
                + " got '${stages.ft.runs.full}/summary.json'", error("summary.json#/validation_loss\nclaims",
                "summary.json\nclaims"));
    }
}
