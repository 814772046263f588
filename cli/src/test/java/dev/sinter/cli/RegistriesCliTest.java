package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.eval.tasks.TaskType;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.trainers.TrainerType;
import dev.sinter.trainers.norms.NormTrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinter ls} and {@code sinter validate} read the registries: every registered entry is listed, the trainer
 * that the trainers test-jar registers ({@code norms}) included, and unknown names fail with the registered ones.
 */
class RegistriesCliTest {
    private static final Path QUICKSTART = CliHarness.CONFIGS.resolve("quickstart.yaml");

    @Test
    void lsListsEveryRegisteredEntryWithItsDescription() {
        Outcome o = CliHarness.run("ls", "--configs", CliHarness.CONFIGS.toString());
        assertEquals(0, o.code(), o.err());
        String out = o.out();
        assertTrue(out.contains("  " + NormTrainerConfig.TYPE + " "), "the test module's trainer: " + out);
        for (TrainerType<?> t : TrainerType.registry().entries()) {
            assertTrue(out.contains(t.name()) && out.contains(t.description()), t.name() + ": " + out);
        }
        for (ModelPreset p : ModelPreset.registry().entries()) {
            assertTrue(out.contains(p.name() + " ") && out.contains(p.description()), p.name() + ": " + out);
        }
        for (TokenizerType t : TokenizerType.registry().entries()) {
            assertTrue(out.contains(t.name()) && out.contains(t.description()), t.name() + ": " + out);
        }
        for (TaskType t : TaskType.registry().entries()) {
            assertTrue(out.contains(t.name() + (t.zeroShot() ? " *" : "")) && out.contains(t.description()),
                    t.name() + ": " + out);
        }
        assertTrue(out.contains("tiny           d=32 layers=2 heads=4/2 hidden=64 vocab=260 ctx=64 rmsnorm swiglu\n"),
                out);
        assertTrue(out.contains("moe(layer:experts)=[0:4,1:8] top-1 residual"), "tiny-prmoe's shape: " + out);
        assertTrue(out.contains("path: a llama2.c tokenizer .bin"), out);
        assertFalse(out.contains("trainer: {type:"), "examples only with --verbose: " + out);
    }

    @Test
    void lsVerbosePrintsEveryTrainersExampleSection() {
        Outcome o = CliHarness.run("ls", "--verbose", "--configs", CliHarness.CONFIGS.toString());
        assertEquals(0, o.code(), o.err());
        for (TrainerType<?> t : TrainerType.registry().entries()) {
            assertTrue(o.out().contains("trainer: " + t.example().trainer() + "\n"), t.name() + ": " + o.out());
        }
        assertTrue(o.out().contains("trainer: {type: norms}\n"), o.out());
    }

    @Test
    void validateAcceptsATrainerRegisteredByATestModule(@TempDir Path dir) throws IOException {
        Path config = withSection(dir, "trainer:\n  type: norms\n  final_norm: false\n");
        Outcome o = CliHarness.run("validate", config.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals("ok " + config, o.out().strip());
    }

    @Test
    void unknownTrainerPresetAndTokenizerNamesFailWithTheRegisteredOnes(@TempDir Path dir) throws IOException {
        Outcome trainer = CliHarness.run("validate", withSection(dir, "trainer:\n  type: norm\n").toString());
        assertEquals(SinterCommand.USAGE_ERROR, trainer.code());
        String types = String.join(", ", TrainerType.registry().names().stream().sorted().toList());
        assertTrue(trainer.err().contains("trainer.type: unknown type 'norm', expected one of: " + types
                + "; did you mean 'norms'?"), trainer.err());
        assertTrue(types.contains(NormTrainerConfig.TYPE), types);

        Path badPreset = dir.resolve("preset.yaml");
        Files.writeString(badPreset, Files.readString(QUICKSTART).replace("  name: small ", "  name: smal "));
        Outcome preset = CliHarness.run("validate", badPreset.toString());
        assertEquals(SinterCommand.USAGE_ERROR, preset.code());
        assertTrue(preset.err().contains("model.name: must be one of " + String.join(", ",
                ModelPreset.registry().names()) + ", got 'smal'; did you mean 'small'?"), preset.err());

        Path badTokenizer = dir.resolve("tokenizer.yaml");
        Files.writeString(badTokenizer, Files.readString(QUICKSTART).replace("type: byte ", "type: bytes "));
        Outcome tokenizer = CliHarness.run("validate", badTokenizer.toString());
        assertEquals(SinterCommand.USAGE_ERROR, tokenizer.code());
        assertTrue(tokenizer.err().contains("data.tokenizer.type: must be one of " + String.join(", ",
                TokenizerType.registry().names()) + ", got bytes; did you mean 'byte'?"), tokenizer.err());
    }

    /** The quickstart config with {@code section} appended, written into {@code dir}. */
    private static Path withSection(Path dir, String section) throws IOException {
        Path f = dir.resolve("run-" + Integer.toHexString(section.hashCode()) + ".yaml");
        Files.writeString(f, Files.readString(QUICKSTART) + "\n" + section);
        return f;
    }
}
