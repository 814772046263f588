package dev.sinter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.testing.TestCorpus;
import dev.sinter.framework.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * What the CLI tests share: running {@code sinter} in-process with its output captured, a small corpus written by
 * the test (no shared data needed), and a few-step training of the tiny model on it.
 */
final class CliHarness {
    static final Path CONFIGS = Path.of("..", "configs");
    /** An environment without SINTER_DEBUG, whatever the machine's. */
    static final UnaryOperator<String> NO_ENV = name -> null;

    private CliHarness() {
    }

    /** Exit code and captured stdout/stderr of one CLI call. */
    record Outcome(int code, String out, String err) {
    }

    static Outcome run(String... args) {
        return run(SinterCommand::commandLine, NO_ENV, args);
    }

    /** Runs the command tree made by {@code cli} (made after the output is redirected) with environment {@code env}. */
    static Outcome run(Supplier<CommandLine> cli, UnaryOperator<String> env, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int code = SinterCommand.run(cli.get(), env, args);
            return new Outcome(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Writes about 24 kB of short sentences (fixed seed) to {@code dir/corpus.txt}. */
    static Path corpus(Path dir) throws IOException {
        Path f = dir.resolve("corpus.txt");
        Files.writeString(f, TestCorpus.sentences(24_000, 7));
        return f;
    }

    /**
     * The overrides that make any shipped run config a seconds-long run on {@code corpus}: 2-step schedules, batch 2
     * of 32 tokens, one validation batch, short samples, output under {@code out}.
     */
    static List<String> quick(Path out, String name, Path corpus, int steps) {
        return List.of("name=" + name, "output_dir=" + out, "data.train=" + corpus, "data.seq_len=32",
                "training.steps=" + steps, "training.batch_size=2", "training.micro_batch_size=2",
                "training.warmup_steps=0", "training.eval_every=" + steps, "training.eval_batches=1",
                "training.log_every=1", "checkpoint.every=" + steps, "samples.count=1", "samples.max_new_tokens=2");
    }

    /** {@code sinter train configs/quickstart.yaml} on the tiny model; asserts success, returns the run directory. */
    static Path trainTiny(Path out, String name, Path corpus, int steps, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", CONFIGS.resolve("quickstart.yaml").toString(),
                "model.name=tiny"));
        args.addAll(quick(out, name, corpus, steps));
        args.addAll(List.of(extra));
        Outcome o = run(args.toArray(String[]::new));
        if (o.code() != 0) {
            throw new AssertionError("training " + name + " exited " + o.code() + ": " + o.err());
        }
        return out.resolve(name);
    }

    /** The rows of a run's metrics.jsonl that hold a training loss, in file order. */
    static List<JsonNode> trainRows(Path runDir) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        try (Stream<String> lines = Files.lines(runDir.resolve("metrics.jsonl"))) {
            for (String line : lines.toList()) {
                JsonNode n = Json.read(line);
                if (n.has("loss")) {
                    rows.add(n);
                }
            }
        }
        return rows;
    }
}
