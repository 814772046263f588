package dev.sinter.cli;

import dev.sinter.trainers.RunConfig;

import static dev.sinter.cli.CliHarness.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.cli.study.StudyPlan;
import dev.sinter.encoders.continual.ContinualConfig;
import dev.sinter.encoders.continual.lm.LmContinualConfig;
import dev.sinter.eval.tasks.TaskSpec;
import dev.sinter.framework.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sinter} command: exit codes, one-line errors, shipped configs, generation. */
class CliTest {
    private static final Path CONFIGS = CliHarness.CONFIGS;

    @Test
    void everyShippedConfigValidates() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(CONFIGS)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).toList();
        }
        assertFalse(files.isEmpty(), "no configs found under " + CONFIGS.toAbsolutePath());
        List<Path> runs = files.stream().filter(f -> !f.startsWith(CONFIGS.resolve("eval"))).toList();
        for (Path f : runs) { // each throws ConfigException with file:line on any problem
            if (ValidateCommand.isStudyFile(f)) {
                assertFalse(StudyPlan.resolve(f, List.of()).steps().isEmpty(), f.toString()); // every stage resolves
            } else if (LmContinualConfig.isLmFile(f)) {
                LmContinualConfig.load(f, List.of());
            } else if (ContinualConfig.isContinualFile(f)) {
                ContinualConfig.load(f, List.of());
            } else if (Sweeps.isSweepFile(f)) {
                assertFalse(Sweeps.resolve(f, List.of()).isEmpty(), f.toString()); // every variant resolves
            } else {
                RunConfig.load(f, List.of());
            }
        }
        for (Path task : files.stream().filter(f -> f.startsWith(CONFIGS.resolve("eval"))).toList()) {
            assertFalse(TaskSpec.fromYaml(task).name().isBlank(), task.toString()); // task definitions, not runs
        }
        Outcome o = run(Stream.concat(Stream.of("validate"), runs.stream().map(Path::toString)).toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
    }

    @Test
    void packageDocumentationListsEveryCommand() throws IOException {
        String doc = Files.readString(Path.of("src/main/java/dev/sinter/cli/package-info.java"));
        List<String> commands = new java.util.ArrayList<>();
        SinterCommand.commandLine().getSubcommands().forEach((name, sub) -> {
            commands.add(name);
            sub.getSubcommands().keySet().forEach(inner -> commands.add(name + " " + inner));
        });
        assertTrue(commands.size() > 10, commands.toString());
        for (String command : commands) {
            assertTrue(doc.contains("{@code " + command + "}"), "package-info.java does not list '" + command + "'");
        }
    }

    @Test
    void configErrorsExitWith2AndOneLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(CONFIGS.resolve("quickstart.yaml")).replace("training:", "trainig:"));
        Outcome o = run("train", bad.toString());
        assertEquals(2, o.code());
        String line = o.err().strip();
        assertFalse(line.contains("\n"), "one line expected: " + line);
        assertTrue(line.contains("bad.yaml:") && line.contains("did you mean 'training'"), line);
        assertFalse(line.contains("Exception"), line);

        Outcome override = run("validate", CONFIGS.resolve("quickstart.yaml").toString());
        assertEquals(0, override.code());
        Outcome typo = run("train", CONFIGS.resolve("quickstart.yaml").toString(), "training.lr=-1");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("training.lr"), typo.err());
        assertEquals(2, run("train").code(), "missing CONFIG is a usage error");
        assertEquals(2, run("frobnicate").code());
    }

    @Test
    void runtimeFailuresExitWith1() {
        Outcome o = run("generate", "--model", "no/such/model.bin", "--tokenizer", "byte");
        assertEquals(1, o.code());
        assertTrue(o.err().contains("does not exist"), o.err());
    }

    @Test
    void generateReproducesStories260K() {
        Outcome o = run("generate", "--model", TestData.fixture("models/stories260K/stories260K.bin").toString(),
                "--tokenizer", TestData.fixture("models/stories260K/tok512.bin").toString(),
                "--max-new-tokens", "60", "--temperature", "0");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside"
                + " in the park."), o.out());
    }

    @Test
    void generateDecodesSeveralSamplesTogetherAsOneAtATime() {
        String model = TestData.fixture("models/stories260K/stories260K.bin").toString();
        String tokenizer = TestData.fixture("models/stories260K/tok512.bin").toString();
        Outcome batched = run("generate", "--model", model, "--tokenizer", tokenizer, "--prompt", "Tom had a",
                "--max-new-tokens", "30", "--temperature", "0.9", "--seed", "5", "--num-samples", "3");
        assertEquals(0, batched.code(), batched.err());
        String[] parts = batched.out().split("--- sample \\d \\(seed \\d\\) ---\\R");
        assertEquals(4, parts.length, batched.out()); // "" before the first header, then 3 samples
        for (int i = 1; i <= 3; i++) {
            assertTrue(batched.out().contains("--- sample " + i + " (seed " + (4 + i) + ") ---"), batched.out());
            Outcome alone = run("generate", "--model", model, "--tokenizer", tokenizer, "--prompt", "Tom had a",
                    "--max-new-tokens", "30", "--temperature", "0.9", "--seed", String.valueOf(4 + i));
            assertEquals(alone.out().strip(), parts[i].strip(), "sample " + i);
        }
        assertTrue(!parts[1].equals(parts[2]) || !parts[2].equals(parts[3]), "three seeds gave one text");
        Outcome zero = run("generate", "--model", model, "--tokenizer", tokenizer, "--num-samples", "0");
        assertEquals(2, zero.code());
        assertTrue(zero.err().contains("--num-samples must be >= 1"), zero.err());
    }

    @Test
    void listShowsModelsTrainersAndConfigs() {
        Outcome o = run("ls", "--configs", CONFIGS.toString());
        assertEquals(0, o.code());
        assertTrue(o.out().contains("tiny") && o.out().contains("small") && o.out().contains("full")
                && o.out().contains("quickstart.yaml"), o.out());
    }
}
