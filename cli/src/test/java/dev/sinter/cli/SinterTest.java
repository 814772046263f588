package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java API is the CLI's path: the README's Java quickstart ({@code Sinter.train(Path.of("configs/quickstart.yaml"))},
 * here shortened by overrides) leaves the same run directory and the same metrics as {@code sinter train} of the same
 * config, on the embedded corpus; and the {@code analysis:} section switches the analyses and reports on and off.
 */
class SinterTest {
    static final Path QUICKSTART = CliHarness.CONFIGS.resolve("quickstart.yaml");
    /** Wall-clock and throughput fields, the only ones two identical runs may differ in. */
    static final List<String> TIMING = List.of("tokens_per_s", "step_s");

    @TempDir
    Path dir;

    /** A 3-step run of the tiny model on the first 6000 tokens of the embedded corpus (the config's data.train). */
    static String[] quick(Path out) {
        return new String[] {"model.name=tiny", "output_dir=" + out, "data.max_tokens=6000", "data.seq_len=32",
                "training.steps=3", "training.batch_size=2", "training.micro_batch_size=2", "training.warmup_steps=0",
                "training.eval_every=3", "training.eval_batches=1", "training.log_every=1", "checkpoint.every=3",
                "samples.count=1", "samples.max_new_tokens=4"};
    }

    @Test
    void theJavaQuickstartLeavesTheSameRunAsTheCli() throws IOException {
        Path cliOut = dir.resolve("cli");
        Path javaOut = dir.resolve("java");
        List<String> args = new ArrayList<>(List.of("train", QUICKSTART.toString()));
        args.addAll(List.of(quick(cliOut)));
        Outcome o = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());

        Sinter.RunResult r = Sinter.train(QUICKSTART, quick(javaOut));

        Path cliRun = cliOut.resolve("quickstart");
        assertEquals(javaOut.resolve("quickstart"), r.runDir());
        assertEquals(3, r.steps());
        assertTrue(o.out().contains(String.format("validation loss %.4f", r.validationLoss())), o.out());
        assertEquals(Files.readAllLines(cliRun.resolve("samples.txt")), r.samples());
        assertEquals(Files.readString(cliRun.resolve("super_weights.txt")).strip(),
                r.superWeights().orElseThrow().verdict());
        assertEquals(r.runDir().resolve("report.html"), r.report().orElseThrow());
        assertEquals(r.runDir().resolve("super_weights/super_weights.html"), r.superWeightReport().orElseThrow());
        List<String> files = files(cliRun);
        assertTrue(files.containsAll(List.of("report.html", "report.json", "loss.png", "super_weights.txt",
                "super_weights/super_weights.html", "summary.json", "samples.txt", "metrics.jsonl")), files.toString());
        assertEquals(files, files(r.runDir()));
        List<JsonNode> cliRows = rowsWithoutTiming(cliRun);
        assertTrue(cliRows.stream().anyMatch(n -> n.has("sw.0.out_max")), "emergence rows in " + cliRows);
        assertEquals(cliRows, rowsWithoutTiming(r.runDir()));
    }

    @Test
    void analysisOffLeavesNoReportsAndNoEmergenceRows() throws IOException {
        Sinter.RunResult r = Sinter.train(QUICKSTART, Stream.concat(Stream.of(quick(dir)), Stream.of(
                "analysis.emergence=false", "analysis.super_weights=false", "analysis.report=false"))
                .toArray(String[]::new));
        assertTrue(r.superWeights().isEmpty());
        assertTrue(r.report().isEmpty());
        assertTrue(r.superWeightReport().isEmpty());
        List<String> files = files(r.runDir());
        for (String f : List.of("super_weights.txt", "report.html", "report.json", "loss.png")) {
            assertFalse(files.contains(f), f + " in " + files);
        }
        assertFalse(Files.exists(r.runDir().resolve("super_weights")), "super_weights/ in " + files);
        assertTrue(files.containsAll(List.of("summary.json", "samples.txt", "metrics.jsonl")), files.toString());
        List<JsonNode> rows = rowsWithoutTiming(r.runDir());
        assertEquals(4, rows.size(), "3 step rows and 1 validation row, no emergence rows: " + rows);
    }

    @Test
    void eachAnalysisSwitchesAlone() throws IOException {
        Sinter.RunResult r = Sinter.train(QUICKSTART, Stream.concat(Stream.of(quick(dir)), Stream.of(
                "analysis.emergence=false", "analysis.super_weights=false")).toArray(String[]::new));
        assertTrue(Files.isRegularFile(r.report().orElseThrow()));
        assertFalse(Files.exists(r.runDir().resolve("super_weights.txt")));
        assertFalse(Files.readString(r.runDir().resolve("report.json")).contains("super_weights"));

        Sinter.RunResult s = Sinter.train(QUICKSTART, Stream.concat(Stream.of(quick(dir.resolve("sw"))), Stream.of(
                "analysis.report=false")).toArray(String[]::new));
        assertTrue(Files.isRegularFile(s.runDir().resolve("super_weights.txt")));
        assertTrue(Files.isRegularFile(s.superWeightReport().orElseThrow()));
        assertFalse(Files.exists(s.runDir().resolve("report.html")));
    }

    /** Every file under a run directory, as sorted relative paths. */
    static List<String> files(Path run) throws IOException {
        try (Stream<Path> s = Files.walk(run)) {
            return s.filter(Files::isRegularFile).map(p -> run.relativize(p).toString()).sorted().toList();
        }
    }

    /** metrics.jsonl rows without their wall-clock and throughput fields. */
    static List<JsonNode> rowsWithoutTiming(Path run) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            ObjectNode n = (ObjectNode) Json.read(line);
            n.remove(TIMING);
            rows.add(n);
        }
        return rows;
    }
}
