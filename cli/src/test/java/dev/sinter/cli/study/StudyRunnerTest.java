package dev.sinter.cli.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.Sinter;
import dev.sinter.framework.testing.TestCorpus;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A two-stage toy study (tiny model, two steps per run, two seeds): it runs, resumes after its first stage without
 * redoing it, re-runs a stage whose configuration changed, and its report's verdicts follow from the numbers.
 */
class StudyRunnerTest {
    @TempDir
    Path dir;

    /** Overrides of every run: the tiny model, two steps of 2 × 32 tokens, no super-weight analysis. */
    private static List<String> quick() {
        return List.of("model.name=tiny", "data.seq_len=32", "training.steps=2",
                "training.batch_size=2", "training.micro_batch_size=2", "training.warmup_steps=0",
                "training.eval_every=2", "training.eval_batches=1", "training.log_every=1", "checkpoint.every=2",
                "samples.count=1", "samples.max_new_tokens=2", "analysis.super_weights=false",
                "analysis.emergence=false");
    }

    /** base (train) → ft (train from base on another corpus); a claim that ft's loss is below base's. */
    private Path writeStudy(Path corpus, Path ftCorpus, String ftExtra) throws IOException {
        Files.writeString(dir.resolve("run.yaml"), """
                name: x
                model: {name: tiny}
                data: {train: %s, seq_len: 32}
                training: {steps: 2, batch_size: 2, lr: 3.0e-3}
                """.formatted(corpus));
        Path study = dir.resolve("toy.yaml");
        Files.writeString(study, """
                name: toy
                output_dir: %s
                seeds: [1, 2]
                stages:
                  base: {kind: train, config: run.yaml}
                  ft:
                    kind: train
                    config: run.yaml
                    set:
                      model.from: ${stages.base.run}
                      data.train: %s
                %s
                metrics:
                  base: ${stages.base.run}/summary.json#/validation_loss
                  ft: ${stages.ft.run}/summary.json#/validation_loss
                claims:
                  ft_lower: {paper: fine-tuning lowers the validation loss, holds: ft < base}
                  ft_much_lower: {paper: by a lot, holds: base - ft > 100}
                """.formatted(dir.resolve("runs"), ftCorpus, ftExtra));
        return study;
    }

    @Test
    void runsResumesAfterItsFirstStageAndJudgesClaimsFromTheNumbers() throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, TestCorpus.sentences(4_000, 7));
        Path ftCorpus = dir.resolve("ft.txt"); // missing at first: the ft stage fails after base has finished
        Path study = writeStudy(corpus, ftCorpus, "");
        String[] overrides = quick().toArray(String[]::new);
        Exception stopped = assertThrows(Exception.class, () -> Sinter.study(study, overrides));
        Path base1 = dir.resolve("runs/toy/seed-1/base");
        assertTrue(Files.isRegularFile(base1.resolve("summary.json")), "base finished before the stop: " + stopped);
        assertEquals("complete", Json.read(base1.resolve(StudyRunner.MARKER)).get("status").asText());
        assertEquals("running", Json.read(dir.resolve("runs/toy/seed-1/ft").resolve(StudyRunner.MARKER))
                .get("status").asText());
        FileTime baseWritten = Files.getLastModifiedTime(base1.resolve("summary.json"));
        String baseMetrics = Files.readString(base1.resolve("metrics.jsonl"));

        Files.writeString(ftCorpus, TestCorpus.sentences(4_000, 11));
        StudyRunner.Result r = Sinter.study(study, overrides);
        assertEquals(List.of("seed-1/base"), r.skipped()); // the first stage is not redone
        assertEquals(List.of("seed-1/ft", "seed-2/base", "seed-2/ft"), r.ran());
        assertEquals(baseWritten, Files.getLastModifiedTime(base1.resolve("summary.json")));
        assertEquals(baseMetrics, Files.readString(base1.resolve("metrics.jsonl")));

        // the seeds reach every run, and ft starts from its own seed's base
        for (long seed : List.of(1L, 2L)) {
            Path ft = dir.resolve("runs/toy/seed-" + seed + "/ft");
            String config = Files.readString(ft.resolve("config.yaml"));
            assertTrue(config.contains("seed: " + seed), config);
            assertTrue(config.contains(dir.resolve("runs/toy/seed-" + seed + "/base").toString()), config);
        }

        // the verdicts follow from the numbers in the runs' summaries
        JsonNode report = Json.read(dir.resolve("runs/toy/study.json"));
        double[] margins = new double[2];
        for (int i = 0; i < 2; i++) {
            Path seedDir = dir.resolve("runs/toy/seed-" + (i + 1));
            double base = Json.read(seedDir.resolve("base/summary.json")).get("validation_loss").asDouble();
            double ft = Json.read(seedDir.resolve("ft/summary.json")).get("validation_loss").asDouble();
            assertEquals(base, report.at("/metrics/base/values/" + (i + 1)).asDouble(), 0, report.toString());
            margins[i] = base - ft;
        }
        assertNotEquals(margins[0], margins[1]); // the seeds differ
        ClaimExpression lower = ClaimExpression.parse("ft < base", List.of("ft", "base"));
        double scale = 0;
        for (int i = 0; i < margins.length; i++) {
            scale += Math.max(report.at("/metrics/base/values/" + (i + 1)).asDouble(),
                    report.at("/metrics/ft/values/" + (i + 1)).asDouble()) / margins.length;
        }
        assertEquals(Verdict.of(lower, margins, scale).label(), report.at("/claims/ft_lower/verdict").asText());
        assertEquals((margins[0] + margins[1]) / 2, report.at("/claims/ft_lower/margin/mean").asDouble(), 1e-12);
        assertEquals("contradicted", report.at("/claims/ft_much_lower/verdict").asText()); // losses differ by < 100
        String html = Files.readString(dir.resolve("runs/toy/study.html"));
        assertTrue(html.contains("fine-tuning lowers the validation loss") && html.contains("contradicted"), html);

        // again: nothing to do; a changed ft config re-runs ft only, and a change to every run re-runs everything
        assertEquals(List.of(), Sinter.study(study, overrides).ran());
        writeStudy(corpus, ftCorpus, "      training.lr: 0.002");
        StudyRunner.Result ftOnly = Sinter.study(study, overrides);
        assertEquals(List.of("seed-1/ft", "seed-2/ft"), ftOnly.ran());
        assertEquals(baseWritten, Files.getLastModifiedTime(base1.resolve("summary.json")));
        StudyRunner.Result changed = Sinter.study(study, withOverride(overrides, "samples.max_new_tokens=3"));
        assertEquals(List.of("seed-1/base", "seed-1/ft", "seed-2/base", "seed-2/ft"), changed.ran());
        assertNotEquals(baseWritten, Files.getLastModifiedTime(base1.resolve("summary.json")),
                "a redone stage is visible in its timestamps, so the resume check above can fail");
    }

    private static String[] withOverride(String[] overrides, String extra) {
        List<String> all = new ArrayList<>(List.of(overrides));
        all.add(extra);
        return all.toArray(String[]::new);
    }
}
