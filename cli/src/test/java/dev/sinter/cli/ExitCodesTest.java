package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.eval.tasks.TaskType;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.config.UsageException;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;

/**
 * Exit codes as the README states them: 2 and one line for usage and config errors only; 1 and one line for any
 * other failure at run time, {@link IllegalArgumentException} included, with the stack trace only under
 * {@code SINTER_DEBUG}.
 */
class ExitCodesTest {
    @TempDir
    static Path dir;
    static Path corpus;
    static Path run;

    @BeforeAll
    static void trainOnce() throws IOException {
        corpus = CliHarness.corpus(dir);
        run = CliHarness.trainTiny(dir, "base", corpus, 2);
    }

    /** A subcommand that throws what it is given (the CLI's own commands throw the same way). */
    @Command(name = "fail")
    static final class Failing implements Callable<Integer> {
        private final RuntimeException e;

        Failing(RuntimeException e) {
            this.e = e;
        }

        @Override
        public Integer call() {
            throw e;
        }
    }

    static Outcome failWith(RuntimeException e, String debug) {
        return CliHarness.run(() -> SinterCommand.commandLine().addSubcommand("fail", new Failing(e)),
                name -> name.equals(SinterCommand.DEBUG_ENV) ? debug : null, "fail");
    }

    static void assertOneLine(Outcome o, String start) {
        String err = o.err().strip();
        assertFalse(err.contains("\n"), "one line expected: " + err);
        assertTrue(err.startsWith("error: " + start), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace or exception type: " + err);
    }

    @Test
    void illegalArgumentAtRunTimeExitsWith1OnOneLineAndTheTraceOnlyUnderSinterDebug() {
        IllegalArgumentException nd4j = new IllegalArgumentException("Op [matmul] execution failed: shapes [2, 3]"
                + " and [4, 5] do not match\nInput 0: [2, 3]\nInput 1: [4, 5]");
        Outcome quiet = failWith(nd4j, null);
        assertEquals(SinterCommand.RUNTIME_ERROR, quiet.code(), quiet.err());
        assertOneLine(quiet, "Op [matmul] execution failed: shapes [2, 3] and [4, 5] do not match");
        assertTrue(quiet.err().contains("SINTER_DEBUG=1"), quiet.err());

        Outcome debug = failWith(nd4j, "1");
        assertEquals(SinterCommand.RUNTIME_ERROR, debug.code());
        assertTrue(debug.err().startsWith("error: Op [matmul] execution failed"), debug.err());
        assertTrue(debug.err().contains("java.lang.IllegalArgumentException")
                && debug.err().contains("\tat dev.sinter.cli.ExitCodesTest"), "stack trace expected: " + debug.err());

        Outcome npe = failWith(new NullPointerException(), null);
        assertEquals(SinterCommand.RUNTIME_ERROR, npe.code());
        assertTrue(npe.err().strip().startsWith("error: java.lang.NullPointerException"), npe.err());
    }

    @Test
    void usageAndConfigErrorsExitWith2OnOneLine() {
        Outcome usage = failWith(new UsageException("unknown task 'x'; built-in tasks: a, b"), null);
        assertEquals(SinterCommand.USAGE_ERROR, usage.code());
        assertEquals("error: unknown task 'x'; built-in tasks: a, b", usage.err().strip());
        Outcome config = failWith(new ConfigException("run.yaml:3: training.lr: must be > 0, got -1"), null);
        assertEquals(SinterCommand.USAGE_ERROR, config.code());
        assertEquals("error: run.yaml:3: training.lr: must be > 0, got -1", config.err().strip());
        assertEquals(SinterCommand.USAGE_ERROR, CliHarness.run("eval", "--model").code(), "picocli: missing option value");
    }

    @Test
    void aCheckpointWhoseTensorsDoNotMatchItsConfigIsARuntimeFailure() throws IOException {
        // tensors of `tiny` under the metadata of `small`: loading throws IllegalArgumentException (shape mismatch)
        Path corrupt = dir.resolve("corrupt");
        Files.createDirectories(corrupt);
        TransformerModel tiny = TransformerModel.create(ModelPreset.registry().get("tiny").config(), DataType.FLOAT, 1);
        CheckpointManager.writeModel(corrupt, tiny.parameters(),
                ModelIO.metadata(ModelPreset.registry().get("small").config()));
        Path text = Files.writeString(dir.resolve("text.txt"), "The cat sat on the mat.");
        Outcome o = CliHarness.run("eval", "--model", corrupt.toString(), "--tokenizer", "byte", "--perplexity",
                text.toString(), "--output", dir.resolve("eval-corrupt").toString());
        assertEquals(SinterCommand.RUNTIME_ERROR, o.code(), o.err());
        assertOneLine(o, corrupt.resolve(CheckpointManager.MODEL_FILE) + ": tensor '");
        assertTrue(o.err().contains("has shape"), o.err());
    }

    @Test
    void aMissingTaskFileIsNamedOnOneLine() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-data"));
        Outcome o = CliHarness.run("eval", "--model", run.toString(), "--tasks", "copa", "--data-dir", empty.toString(),
                "--output", dir.resolve("eval-missing").toString());
        assertEquals(SinterCommand.RUNTIME_ERROR, o.code(), o.err());
        assertOneLine(o, "file not found: " + empty.resolve("eval/copa.jsonl"));
    }

    @Test
    void userInputMistakesFoundWhileRunningExitWith2() {
        Outcome task = CliHarness.run("eval", "--model", run.toString(), "--tasks", "copa,no_such_task",
                "--output", dir.resolve("eval-x").toString());
        assertEquals(SinterCommand.USAGE_ERROR, task.code(), task.err());
        assertOneLine(task, "unknown task 'no_such_task'; registered: " + String.join(", ",
                TaskType.registry().names()) + " (or give the path of a YAML task definition)");

        Outcome vocab = CliHarness.run("train", CliHarness.CONFIGS.resolve("quickstart.yaml").toString(),
                "model.name=tiny", "model.vocab_size=100", "name=small-vocab", "output_dir=" + dir,
                "data.train=" + corpus, "data.seq_len=32");
        assertEquals(SinterCommand.USAGE_ERROR, vocab.code(), vocab.err());
        assertOneLine(vocab, "tokenizer byte has 260 ids but the model's vocab_size is 100; set model.vocab_size >= 260");

        Outcome resume = CliHarness.run("train", CliHarness.CONFIGS.resolve("quickstart.yaml").toString(),
                "model.name=tiny", "name=base", "output_dir=" + dir, "data.train=" + corpus, "data.seq_len=32",
                "checkpoint.resume=none");
        assertEquals(SinterCommand.USAGE_ERROR, resume.code(), resume.err());
        assertOneLine(resume, run + " already holds checkpoints and checkpoint.resume is 'none'");

        Outcome encoder = CliHarness.run("analyze", "super-weights", "--model", "encoder:no-such-encoder");
        assertEquals(SinterCommand.USAGE_ERROR, encoder.code(), encoder.err());
        assertOneLine(encoder, "unknown encoder 'no-such-encoder'");
    }
}
