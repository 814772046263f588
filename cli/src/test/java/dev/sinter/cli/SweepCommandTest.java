package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinter sweep}: every variant runs as a normal run in {@code <output_dir>/<sweep>/<variant>}, finished ones
 * are skipped when the sweep runs again, the sweep report compares them, and a bad variant stops the sweep before
 * any run starts, naming the file, the variant and the key.
 */
class SweepCommandTest {
    @TempDir
    static Path dir;
    static Path corpus;
    static Path base;

    @BeforeAll
    static void writeBase() throws IOException {
        corpus = CliHarness.corpus(dir);
        base = Files.copy(CliHarness.CONFIGS.resolve("quickstart.yaml"), dir.resolve("base.yaml"));
    }

    /** The quick overrides of every variant (tiny model, 2 steps), output under {@code out}; no name. */
    static List<String> quick(Path out) {
        List<String> o = new ArrayList<>(List.of("model.name=tiny"));
        CliHarness.quick(out, "unused", corpus, 2).stream().filter(a -> !a.startsWith("name=")).forEach(o::add);
        return o;
    }

    static Path sweepFile(String name, String body) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\nbase: base.yaml\n" + body);
    }

    static Outcome sweep(Path file, List<String> overrides) {
        return CliHarness.run(Stream.concat(Stream.of("sweep", file.toString()), overrides.stream())
                .toArray(String[]::new));
    }

    @Test
    void runsEveryVariantSkipsFinishedOnesAndReports() throws IOException {
        Path file = sweepFile("demo", """
                variants:
                  full: {}
                  lora-r2: {trainer: {type: lora, rank: 2, alpha: 4}}
                  full-lr: {training.lr: 0.01, samples.prompts: ["It "]}
                """);
        Path out = dir.resolve("runs");
        Outcome first = sweep(file, quick(out));
        assertEquals(0, first.code(), first.err());
        Path sweepDir = out.resolve("demo");
        for (String v : List.of("full", "lora-r2", "full-lr")) {
            Path run = sweepDir.resolve(v);
            assertEquals(List.of(1L, 2L), CliHarness.trainRows(run).stream().map(r -> r.get("step").asLong()).toList());
            assertTrue(Files.isRegularFile(run.resolve("report.html")), v);
            assertTrue(first.out().contains(v + ": " + run + "\n"), first.out());
        }
        RunConfig lr = RunConfig.load(sweepDir.resolve("full-lr/config.yaml"), List.of());
        assertEquals(0.01, lr.training().lr());
        assertEquals(List.of("It "), lr.samples().prompts());
        assertEquals("full-lr", lr.name());
        assertEquals("lora", RunConfig.load(sweepDir.resolve("lora-r2/config.yaml"), List.of()).trainer().type());
        JsonNode report = Json.read(sweepDir.resolve("sweep.json"));
        assertEquals(List.of("full", "full-lr", "lora-r2"),
                report.get("runs").findValuesAsText("run"));
        assertTrue(first.out().contains("sweep report: " + sweepDir.resolve("sweep.html")), first.out());

        String metrics = Files.readString(sweepDir.resolve("lora-r2/metrics.jsonl"));
        Outcome again = sweep(file, quick(out));
        assertEquals(0, again.code(), again.err());
        assertEquals(3, again.out().split("already finished, skipped", -1).length - 1, again.out());
        assertEquals(metrics, Files.readString(sweepDir.resolve("lora-r2/metrics.jsonl")), "a skipped run is untouched");

        Files.delete(sweepDir.resolve("full/report.json")); // an interrupted end of run: that variant is not finished
        Sinter.SweepResult r = Sinter.sweep(file, quick(out).toArray(String[]::new));
        assertEquals(List.of("full"), r.trained());
        assertTrue(Files.isRegularFile(sweepDir.resolve("full/report.json")));
        assertEquals(sweepDir.resolve("sweep.html"), r.report());
    }

    @Test
    void aBadVariantFailsBeforeAnyRunNamingFileVariantAndKey() throws IOException {
        Path out = dir.resolve("bad-runs");
        Path typo = sweepFile("typo", """
                variants:
                  ok: {}
                  bad: {training.lrr: 0.01}
                """);
        Outcome o = sweep(typo, quick(out));
        assertEquals(2, o.code(), o.err());
        String err = o.err().strip();
        assertFalse(err.contains("\n"), err);
        assertTrue(err.contains(typo + ": variant bad: ") && err.contains("training.lrr")
                && err.contains("did you mean 'lr'"), err);
        assertFalse(Files.exists(out), "no variant ran");

        Path value = sweepFile("value", """
                variants:
                  ok: {}
                  negative: {training.lr: -1}
                """);
        Outcome v = sweep(value, quick(out));
        assertEquals(2, v.code(), v.err());
        assertTrue(v.err().contains(value + ": variant negative: ") && v.err().contains("training.lr"), v.err());

        Path named = sweepFile("named", """
                variants:
                  renamed: {name: other}
                """);
        Outcome n = sweep(named, quick(out));
        assertEquals(2, n.code(), n.err());
        assertTrue(n.err().contains(named + ": variant renamed: name: a sweep names each run after its variant"),
                n.err());

        Path unknown = Files.writeString(dir.resolve("unknown.yaml"), "name: x\nbase: base.yaml\nvariant: {a: {}}\n");
        Outcome u = sweep(unknown, quick(out));
        assertEquals(2, u.code(), u.err());
        assertTrue(u.err().contains("unknown.yaml:3: variant: unknown key 'variant'; did you mean 'variants'?"),
                u.err());
        assertFalse(Files.exists(out), "no variant ran");
    }

    @Test
    void aGridMakesEveryCombinationAVariant() throws IOException {
        Path both = sweepFile("grid", """
                variants:
                  a: {}
                  b: {training.weight_decay: 0.0}
                grid:
                  training.lr: [0.01, 0.02]
                  samples.prompts: [["X "]]
                """);
        var configs = Sweeps.resolve(both, List.of());
        assertEquals(List.of("a_lr-0.01_prompts-X", "a_lr-0.02_prompts-X", "b_lr-0.01_prompts-X",
                "b_lr-0.02_prompts-X"), List.copyOf(configs.keySet()));
        RunConfig b2 = configs.get("b_lr-0.02_prompts-X");
        assertEquals(0.02, b2.training().lr());
        assertEquals(0.0, b2.training().weightDecay());
        assertEquals(List.of("X "), b2.samples().prompts());
        assertEquals("b_lr-0.02_prompts-X", b2.name());
        assertEquals(Path.of("runs", "grid").toString(), b2.outputDir());
        assertEquals(0.1, configs.get("a_lr-0.01_prompts-X").training().weightDecay());

        Path gridOnly = sweepFile("grid-only", "grid:\n  training.lr: [0.01, -1]\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Sweeps.resolve(gridOnly, List.of()));
        assertTrue(e.getMessage().startsWith(gridOnly + ": variant lr--1: ") && e.getMessage().contains("training.lr"),
                e.getMessage());
    }

    @Test
    void validateChecksEveryVariantOfASweepFile() throws IOException {
        Path ok = sweepFile("valid", "variants:\n  a: {}\n  b: {training.steps: 50}\n");
        Outcome o = CliHarness.run("validate", ok.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("ok " + ok + " (2 variants)"), o.out());
        Path bad = sweepFile("invalid", "variants:\n  a: {}\n  b: {training.stepz: 5}\n");
        Outcome b = CliHarness.run("validate", bad.toString());
        assertEquals(2, b.code());
        assertTrue(b.err().contains(bad + ": variant b: ") && b.err().contains("training.stepz"), b.err());
    }
}
