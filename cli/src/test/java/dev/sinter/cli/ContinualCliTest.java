package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.EncoderConfig;
import dev.sinter.encoders.EncoderSource;
import dev.sinter.encoders.Pooling;
import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import dev.sinter.models.transformer.LinearLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** {@code sinter continual-data} on the committed fixtures, and {@code sinter continual} on what it writes. */
class ContinualCliTest {
    static final Path SOURCES = TestData.fixture("continual/sources.yaml");

    @TempDir
    Path dir;

    /** Builds the fixture benchmark (3 tasks of 2 classes, 8/2/4 texts per class) into {@code out}. */
    static Outcome build(Path out, String... extra) {
        String[] args = {"continual-data", "--sources", SOURCES.toString(), "--out", out.toString(), "--train", "8",
                "--validation", "2", "--test", "4"};
        String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        return CliHarness.run(all);
    }

    /** A tiny random BERT (2 layers, d 32) with MiniLM's vocabulary, saved as an encoder directory. */
    static Path tinyBert(Path dir) throws IOException {
        Path out = dir.resolve("tiny-bert");
        if (!Files.isDirectory(out)) {
            EncoderConfig cfg = new EncoderConfig(2, 32, 4, 64, 30522, 64, 2, 1e-12, Pooling.MEAN);
            EncoderSource.save(out, BertEncoder.create(cfg, 0, DataType.FLOAT, 7, LinearLayer.DENSE),
                    PretrainedEncoder.ALL_MINILM_L6_V2.tokenizerJson(), Map.of());
        }
        return out;
    }

    @Test
    void continualDataWritesTheTasksOfTheSourcesFileReproducibly() throws IOException {
        Outcome o = build(dir.resolve("a"));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("task-01: arc, boolq\ntask-02: lambada, siqa\ntask-03: winogrande, openbook_qa\n"),
                o.out());
        JsonNode manifest = Json.read(dir.resolve("a/benchmark.json"));
        assertEquals(1, manifest.get("seed").asInt());
        assertEquals(8, manifest.get("per_class").get("train").asInt());
        assertEquals(16, Files.readAllLines(dir.resolve("a/task-02/train.jsonl")).size());
        assertEquals(8, Files.readAllLines(dir.resolve("a/task-03/test.jsonl")).size());
        assertEquals(0, build(dir.resolve("b")).code());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/task-03/train.jsonl")),
                Files.readAllBytes(dir.resolve("b/task-03/train.jsonl")), "same seed, same files");
        assertEquals(0, build(dir.resolve("c"), "--seed", "2").code());
        assertFalse(Files.readString(dir.resolve("a/task-01/train.jsonl"))
                .equals(Files.readString(dir.resolve("c/task-01/train.jsonl"))), "another seed shuffles differently");
    }

    @Test
    void badRequestsFailInOneLineBeforeWritingAnything() throws IOException {
        Outcome tooMany = CliHarness.run("continual-data", "--sources", SOURCES.toString(), "--out",
                dir.resolve("big").toString(), "--train", "40");
        assertEquals(SinterCommand.USAGE_ERROR, tooMany.code());
        assertTrue(tooMany.err().contains("distinct texts") && tooMany.err().contains("lower the per-class counts"),
                tooMany.err());
        assertEquals(1, tooMany.err().strip().lines().count(), tooMany.err());
        assertFalse(Files.exists(dir.resolve("big")));

        Outcome uneven = build(dir.resolve("uneven"), "--classes-per-task", "4");
        assertEquals(SinterCommand.USAGE_ERROR, uneven.code());
        assertTrue(uneven.err().contains("6 classes do not make at least 2 tasks of 4"), uneven.err());
        assertFalse(Files.exists(dir.resolve("uneven")));

        Path sources = Files.writeString(dir.resolve("bad.yaml"), "sources:\n  - {label: x, file: nope.jsonl, kind: "
                + "question}\n  - {label: y, file: nope.jsonl, kind: questions}\n");
        Outcome bad = CliHarness.run("continual-data", "--sources", sources.toString(), "--out",
                dir.resolve("bad").toString(), "--classes-per-task", "2");
        assertEquals(SinterCommand.USAGE_ERROR, bad.code());
        assertTrue(bad.err().contains("2 classes do not make at least 2 tasks"), bad.err());

        Path typo = Files.writeString(dir.resolve("typo.yaml"), "sources:\n  - {label: x, fil: a.jsonl, kind: q}\n");
        Outcome key = CliHarness.run("continual-data", "--sources", typo.toString(), "--out", dir.resolve("t").toString());
        assertEquals(SinterCommand.USAGE_ERROR, key.code());
        assertTrue(key.err().contains(typo + ":2") && key.err().contains("fil"), key.err());

        Path occupied = Files.createDirectories(dir.resolve("occupied"));
        Files.writeString(occupied.resolve("notes.txt"), "mine");
        Outcome o = build(occupied);
        assertEquals(SinterCommand.USAGE_ERROR, o.code());
        assertTrue(o.err().contains("non-empty folder without benchmark.json"), o.err());
        assertEquals(1, Files.list(occupied).count());
    }

    @Test
    void continualRunsAShippedConfigOnTheBuiltBenchmarkAndPrintsTheMatrix() throws Exception {
        assertEquals(0, build(dir.resolve("bench")).code());
        Outcome o = CliHarness.run("continual", CliHarness.CONFIGS.resolve("continual/sequential.yaml").toString(),
                "name=seq", "output_dir=" + dir.resolve("runs"), "model.from=encoder:" + tinyBert(dir),
                "continual.benchmark=" + dir.resolve("bench"), "training.steps=2", "training.eval_every=2");
        assertEquals(0, o.code(), o.err());
        assertEquals(3, o.out().lines().filter(l -> l.startsWith("after task-")).count(), o.out());
        assertTrue(o.out().contains("sequential: final average accuracy"), o.out());
        JsonNode json = Json.read(dir.resolve("runs/seq/continual.json"));
        assertEquals(3, json.get("accuracy_matrix").size());
        assertEquals(2, json.get("training").get("steps").asInt());
        assertTrue(Files.isRegularFile(dir.resolve("runs/seq/continual.html")));
        if (BrowserCheck.chromium().isPresent()) { // as ReportsRenderInBrowserTest does for the other reports
            BrowserCheck.assertPlotsDrawn(dir.resolve("runs/seq/continual.html"), dir.resolve("continual.png"));
        }

        Outcome validate = CliHarness.run("validate", CliHarness.CONFIGS.resolve("continual/joint.yaml").toString());
        assertEquals(0, validate.code(), validate.err());
        assertTrue(validate.out().contains("(continual)"), validate.out());
        Outcome ls = CliHarness.run("ls");
        assertTrue(ls.out().contains("continual methods") && ls.out().contains("joint"), ls.out());
    }

    @Test
    void aDecoderRunWritesAReportWhosePerplexityHeatMapIsDrawn() throws Exception {
        String domains = "[{name: stories, file: " + TestData.fixture("corpora/tinystories_sample.txt") + "}, {name:"
                + " shakespeare, file: " + TestData.fixture("corpora/tinyshakespeare_slice.txt") + "}]";
        Outcome o = CliHarness.run("continual", CliHarness.CONFIGS.resolve("continual/decoder-lw2g.yaml").toString(),
                "name=lm", "output_dir=" + dir.resolve("runs"),
                "model=" + TestData.fixture("models/stories260K/stories260K.bin"), "continual.domains=" + domains,
                "continual.seq_len=32", "continual.test_windows=2", "continual.max_train_tokens=400",
                "training.steps=1", "training.warmup_steps=0", "training.batch_size=2");
        assertEquals(0, o.code(), o.err());
        Path page = dir.resolve("runs/lm/continual.html");
        String html = Files.readString(page);
        assertTrue(html.contains("perplexity_matrix.png") && html.contains("zero-shot (frozen)")
                && html.contains("epsilon="), html);
        if (BrowserCheck.chromium().isPresent()) { // as ReportsRenderInBrowserTest does for the other reports
            BrowserCheck.assertPlotsDrawn(page, dir.resolve("lm-continual.png"));
        }
    }
}
