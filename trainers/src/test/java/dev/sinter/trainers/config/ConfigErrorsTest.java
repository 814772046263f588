package dev.sinter.trainers.config;

import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainerType;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.data.TokenizerType;

import dev.sinter.framework.config.ConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every config mistake is one line naming file, line (or override), key path, problem and fix. */
class ConfigErrorsTest {
    /** {@link ConfigLoaderTest#MINIMAL} with line {@code line} (1-based) replaced. */
    private static String withLine(int line, String replacement) {
        List<String> lines = new ArrayList<>(ConfigLoaderTest.MINIMAL.lines().toList());
        lines.set(line - 1, replacement);
        return String.join("\n", lines) + "\n";
    }

    private static String error(String yaml, String... overrides) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RunConfig.loadString(yaml, "run.yaml", List.of(overrides)));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void unknownKeySuggestsTheClosestKey() {
        assertEquals("run.yaml:7: trainig: unknown key 'trainig'; did you mean 'training'?",
                error(withLine(7, "trainig:")));
    }

    @Test
    void unknownKeyWithoutCloseMatchListsValidKeys() {
        assertEquals("run.yaml:6: data.colour: unknown key 'colour'; valid keys: max_tokens, prepare, seq_len, "
                + "shards, tokenizer, train, val_fraction, validation", error(withLine(6, "  colour: red")));
    }

    @Test
    void unknownKeyInATypedSectionKnowsTheTypeKey() {
        assertEquals("run.yaml:13: trainer.trainabel: unknown key 'trainabel'; did you mean 'trainable'?",
                error(ConfigLoaderTest.MINIMAL + "trainer:\n  type: full\n  trainabel: [x]\n"));
        assertEquals("run.yaml:13: trainer.layers: unknown key 'layers'; valid keys: trainable, type",
                error(ConfigLoaderTest.MINIMAL + "trainer:\n  type: full\n  layers: [x]\n"));
    }

    @Test
    void wrongTypeNamesExpectedAndActual() {
        assertEquals("run.yaml:8: training.steps: expected an integer, got 'many'", error(withLine(8, "  steps: many")));
        assertEquals("run.yaml:10: training.lr: expected a number, got a list", error(withLine(10, "  lr: [1]")));
        assertEquals("run.yaml:8: training.steps: expected an integer, got 1.5", error(withLine(8, "  steps: 1.5")));
        assertEquals("run.yaml:7: training: expected a mapping, got 'fast'", error(withLine(7, "training: fast")
                .replace("  steps: 100\n  batch_size: 8\n  lr: 1e-3\n", "")));
    }

    @Test
    void outOfRangeValueIsReportedAtItsKey() {
        assertEquals("run.yaml:10: training.lr: must be a finite number > 0, got -1.0", error(withLine(10, "  lr: -1")));
        assertEquals("run.yaml:6: data.seq_len: must be >= 2, got 1; a window needs context",
                error(withLine(6, "  seq_len: 1")));
        String message = error(ConfigLoaderTest.MINIMAL + "  micro_batch_size: 3\n");
        assertTrue(message.startsWith("run.yaml:11: training.micro_batch_size: must divide batch_size 8, got 3; "),
                message);
    }

    @Test
    void shardAndPrepareKeysAreRangeChecked() {
        assertEquals("run.yaml:8: data.prepare.shard_tokens: must be in [1, 536870912], got 0", error(withLine(6, "  seq_len: 32\n  prepare:\n    shard_tokens: 0")));
        assertEquals("run.yaml:8: data.prepare.format: must be one of text, jsonl, parquet, got csv", error(withLine(6, "  seq_len: 32\n  prepare:\n    format: csv")));
        assertEquals("run.yaml:8: data.prepare.parquet_column: must not be blank, got ' '", error(withLine(6, "  seq_len: 32\n  prepare:\n    parquet_column: ' '")));
        assertEquals("run.yaml:8: data.validation: must be absent with shards: the validation split is the last "
                + "val_fraction of the prepared tokens; remove validation", error(withLine(6, "  seq_len: 32\n  shards: out\n  validation: v.txt")));
    }

    @Test
    void crossSectionCheckIsReportedAtItsKey() {
        assertEquals("run.yaml:6: data.seq_len: must be <= model.max_seq_len 64, got 100; "
                + "shorten seq_len or raise max_seq_len", error(withLine(6, "  seq_len: 100")));
    }

    @Test
    void missingRequiredKeyPointsAtItsSection() {
        assertEquals("run.yaml:7: training: missing required key 'steps'; add 'steps: <value>'",
                error(withLine(8, "")));
        assertEquals("run.yaml:2: (top level): missing required key 'name'; add 'name: <value>'",
                error(withLine(1, "")));
        assertEquals("run.yaml:8: training.steps: missing required key 'steps'; add 'steps: <value>'",
                error(withLine(8, "  steps:")));
        assertEquals("run.yaml (override name=): name: missing required key 'name'; add 'name: <value>'",
                error(ConfigLoaderTest.MINIMAL, "name="));
    }

    @Test
    void unknownTrainerTypeListsTypesAndSuggests() {
        String types = String.join(", ", TrainerType.registry().names().stream().sorted().toList());
        assertEquals("run.yaml:12: trainer.type: unknown type 'fulll', expected one of: " + types + "; did you mean 'full'?",
                error(ConfigLoaderTest.MINIMAL + "trainer:\n  type: fulll\n"));
        assertEquals("run.yaml:11: trainer.type: missing required key 'type'; set it to one of: " + types,
                error(ConfigLoaderTest.MINIMAL + "trainer:\n  trainable: [x]\n"));
        assertEquals("run.yaml:11: trainer: expected a mapping with a 'type' key, got 'full'",
                error(ConfigLoaderTest.MINIMAL + "trainer: full\n"));
    }

    @Test
    void unknownModelNameListsPresetsAndSuggests() {
        assertEquals("run.yaml:3: model.name: must be one of " + String.join(", ", ModelPreset.registry().names())
                + ", got 'tinny'; did you mean 'tiny'?", error(withLine(3, "  name: tinny")));
    }

    @Test
    void invalidModelCombinationIsReportedAtModel() {
        String message = error(withLine(3, "  name: tiny\n  dim: 30\n  n_heads: 4"));
        assertEquals("run.yaml:2: model: dim 30 is not divisible by n_heads 4; choose n_heads among the divisors of dim",
                message);
    }

    @Test
    void invalidTokenizerTypeIsReportedAtItsKey() {
        assertEquals("run.yaml:8: data.tokenizer.type: must be one of "
                + String.join(", ", TokenizerType.registry().names()) + ", got bpe",
                error(withLine(6, "  seq_len: 32\n  tokenizer:\n    type: bpe")));
    }

    @Test
    void yamlSyntaxErrorGivesLineAndProblem() {
        String message = error(withLine(9, "  batch_size: 8\n   oops: 1"));
        assertTrue(message.startsWith("run.yaml:10: invalid YAML: mapping values are not allowed here; "), message);
    }

    @Test
    void duplicateKeyIsAnError() {
        assertEquals("run.yaml:11: training.lr: duplicate key (first set on line 10); keep only one",
                error(ConfigLoaderTest.MINIMAL + "  lr: 2e-3\n"));
    }

    @Test
    void documentMustBeAMapping() {
        assertEquals("run.yaml:1: (top level): expected a mapping of keys (key: value lines), got a list",
                error("- a\n- b\n"));
    }

    @Test
    void overrideErrorsNameTheOverride() {
        assertEquals("run.yaml (override training.lrr=1): training.lrr: unknown key 'lrr'; did you mean 'lr'?",
                error(ConfigLoaderTest.MINIMAL, "training.lrr=1"));
        assertEquals("run.yaml (override training.lr=-1): training.lr: must be a finite number > 0, got -1.0",
                error(ConfigLoaderTest.MINIMAL, "training.lr=-1"));
        assertEquals("run.yaml (override training.steps=many): training.steps: expected an integer, got 'many'",
                error(ConfigLoaderTest.MINIMAL, "training.steps=many"));
        assertEquals("run.yaml (override name.first=x): name.first: cannot set a key inside 'name', which is 'demo'; "
                + "override 'name' instead", error(ConfigLoaderTest.MINIMAL, "name.first=x"));
    }

    @Test
    void malformedOverrideIsAnError() {
        for (String bad : List.of("training.lr", "=3", "training..lr=1")) {
            assertEquals("run.yaml (override " + bad + "): malformed override; write it as key.path=value, "
                    + "e.g. training.lr=3e-4", error(ConfigLoaderTest.MINIMAL, bad));
        }
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(missing, List.of()));
        assertTrue(e.getMessage().startsWith(missing + ": file not found; check the path"), e.getMessage());
    }

    @Test
    void errorsInARealFileNameThatFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), withLine(10, "  lr: 0"));
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(file, List.of()));
        assertEquals(file + ":10: training.lr: must be a finite number > 0, got 0.0", e.getMessage());
    }
}
