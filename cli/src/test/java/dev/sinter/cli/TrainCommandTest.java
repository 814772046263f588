package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinter train} end to end on the tiny model: a run leaves every file the README lists, and a finished run
 * never fails afterwards — an all-MoE model is analysed per expert, and when the end-of-run super-weight analysis
 * cannot run (a context shorter than the probe prompts) it says "not applicable" and the run still reports and exits 0.
 */
class TrainCommandTest {
    @TempDir
    static Path dir;
    static Path corpus;

    @BeforeAll
    static void writeCorpus() throws IOException {
        corpus = CliHarness.corpus(dir);
    }

    static Outcome train(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", CliHarness.CONFIGS.resolve("quickstart.yaml").toString()));
        args.addAll(CliHarness.quick(dir, name, corpus, 3));
        args.addAll(List.of(extra));
        return CliHarness.run(args.toArray(String[]::new));
    }

    static void assertReported(Path run) {
        for (String f : List.of("config.yaml", "provenance.json", "metrics.jsonl", "summary.json", "samples.txt",
                "report.html", "report.json", "loss.png", "super_weights.txt", "super_weights/super_weights.html",
                "super_weights/super_weights.json")) {
            assertTrue(Files.isRegularFile(run.resolve(f)), "missing " + f + " in " + run);
        }
    }

    @Test
    void aRunWritesItsDirectoryMetricsReportAndVerdict() throws IOException {
        Outcome o = train("dense", "model.name=tiny");
        assertEquals(0, o.code(), o.err());
        Path run = dir.resolve("dense");
        assertReported(run);
        try (var checkpoints = Files.list(run.resolve("checkpoints"))) {
            assertTrue(checkpoints.anyMatch(Files::isDirectory), "a checkpoint in " + run);
        }
        List<JsonNode> rows = CliHarness.trainRows(run);
        assertEquals(List.of(1L, 2L, 3L), rows.stream().map(r -> r.get("step").asLong()).toList());
        rows.forEach(r -> assertTrue(r.get("loss").asDouble() > 0 && r.get("loss").asDouble() < 10, r.toString()));
        JsonNode report = Json.read(run.resolve("report.json"));
        assertEquals(3, report.get("steps").asLong());
        assertEquals(rows.get(0).get("loss").asDouble(), report.get("first_train_loss").asDouble(), 1e-12);
        String verdict = Files.readString(run.resolve("super_weights.txt")).strip();
        assertTrue(verdict.startsWith("no super weight found") || verdict.contains("super weight(s) found"), verdict);
        assertEquals(verdict, report.get("super_weights").asText());
        assertTrue(o.out().contains("run " + run + ": 3 steps, validation loss "), o.out());
        assertTrue(o.out().contains("super weights: " + verdict), o.out());
        assertEquals(1, Files.readAllLines(run.resolve("samples.txt")).stream().filter(l -> l.startsWith("The "))
                .count(), "one sample of the first prompt");
    }

    @Test
    void anAllMoeModelFinishesWithAVerdictReadFromItsExperts() throws IOException {
        Outcome o = train("prmoe", "model.name=tiny-prmoe");
        assertEquals(0, o.code(), o.err());
        Path run = dir.resolve("prmoe");
        assertReported(run);
        String verdict = Files.readString(run.resolve("super_weights.txt")).strip();
        assertTrue(verdict.startsWith("no super weight found: with the first prompt the largest |down_proj input| is ")
                && verdict.contains(" expert "), verdict);
        assertTrue(o.out().contains("super weights: " + verdict), o.out());
        // the HTML escapes the verdict's '>': compare the part before it
        String head = verdict.substring(0, verdict.indexOf('>'));
        assertTrue(Files.readString(run.resolve("report.html")).contains(head));
        assertTrue(Files.readString(run.resolve("super_weights/super_weights.html")).contains(head));
        assertFalse(Files.readString(run.resolve("samples.txt")).isBlank());
    }

    @Test
    void aContextShorterThanTheProbePromptsFinishesWithANotApplicableVerdict() throws IOException {
        Outcome o = train("short-context", "model.name=tiny", "model.max_seq_len=16", "data.seq_len=16");
        assertEquals(0, o.code(), o.err());
        Path run = dir.resolve("short-context");
        assertReported(run);
        String verdict = Files.readString(run.resolve("super_weights.txt")).strip();
        // the paper's prompt is 39 bytes + BOS
        assertEquals("not applicable: prompt 0 has 40 tokens, longer than the model's context (max_seq_len 16); use"
                + " prompts that fit", verdict);
        assertTrue(Files.readString(run.resolve("report.html")).contains(verdict));
        assertEquals(3, CliHarness.trainRows(run).size());
    }
}
