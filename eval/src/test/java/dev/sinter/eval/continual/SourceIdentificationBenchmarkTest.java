package dev.sinter.eval.continual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.eval.continual.SourceIdentificationBenchmark.Source;
import dev.sinter.eval.continual.SourceIdentificationBenchmark.Split;
import dev.sinter.framework.testing.SharedData;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceIdentificationBenchmarkTest {
    private static final Split SMALL = new Split(4, 2, 4);

    private static List<Source> fixtureSources() {
        return List.of(
                new Source("tinystories", TestData.fixture("corpora/tinystories_sample.txt"), "corpus"),
                new Source("boolq", TestData.fixture("eval/boolq.jsonl"), "passage"),
                new Source("hellaswag", TestData.fixture("eval/hellaswag_val_full.txt.bz2"), "hellaswag"),
                new Source("arc", TestData.fixture("eval/arc_easy.jsonl"), "question"),
                new Source("siqa", TestData.fixture("eval/siqa.jsonl"), "context_question"),
                new Source("winogrande", TestData.fixture("eval/winogrande.jsonl"), "winogrande"));
    }

    private static List<JsonNode> rows(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(Json.read(line));
        }
        return out;
    }

    @Test
    void writesClassIncrementalTasksWithDisjointSplitsAndContentOnly(@TempDir Path out) throws IOException {
        var result = SourceIdentificationBenchmark.build(fixtureSources(), 2, SMALL, 7, out);
        assertEquals(List.of(List.of("tinystories", "boolq"), List.of("hellaswag", "arc"), List.of("siqa", "winogrande")),
                result.tasks());
        Set<String> seen = new HashSet<>();
        for (int t = 0; t < 3; t++) {
            Path dir = out.resolve(SourceIdentificationBenchmark.taskDirectory(t));
            List<JsonNode> train = rows(dir.resolve("train.jsonl"));
            List<JsonNode> validation = rows(dir.resolve("validation.jsonl"));
            List<JsonNode> test = rows(dir.resolve("test.jsonl"));
            assertEquals(8, train.size());
            assertEquals(4, validation.size());
            assertEquals(8, test.size());
            for (List<JsonNode> split : List.of(train, validation, test)) {
                for (JsonNode r : split) {
                    String text = r.get("text").asText();
                    assertTrue(result.tasks().get(t).contains(r.get("label").asText()), r.toString());
                    assertTrue(seen.add(text), "a text appears twice: " + text);
                    assertFalse(text.startsWith("Question:") || text.startsWith("Passage:")
                            || text.startsWith("Context:") || text.contains("\nChoices:"), text);
                    assertTrue(text.split(" ").length <= SourceIdentificationBenchmark.MAX_WORDS, text);
                    assertTrue(text.split(" ").length >= SourceIdentificationBenchmark.MIN_WORDS, text);
                }
            }
        }
        JsonNode manifest = Json.read(out.resolve("benchmark.json"));
        assertEquals(7, manifest.get("seed").asLong());
        assertEquals(6, manifest.get("sources").size());
        assertEquals(64, manifest.get("sources").get(0).get("sha256").asText().length());
    }

    @Test
    void sameSeedSameFilesOtherSeedOtherDraw(@TempDir Path dir) throws IOException {
        SourceIdentificationBenchmark.build(fixtureSources(), 2, SMALL, 7, dir.resolve("a"));
        SourceIdentificationBenchmark.build(fixtureSources(), 2, SMALL, 7, dir.resolve("b"));
        SourceIdentificationBenchmark.build(fixtureSources(), 2, SMALL, 8, dir.resolve("c"));
        String a = Files.readString(dir.resolve("a/task-02/train.jsonl"));
        assertEquals(a, Files.readString(dir.resolve("b/task-02/train.jsonl")));
        assertNotEquals(a, Files.readString(dir.resolve("c/task-02/train.jsonl")));
    }

    @Test
    void badInputFailsBeforeWritingWithTheReason(@TempDir Path out) {
        List<Source> sources = new ArrayList<>(fixtureSources());
        String odd = assertThrows(IllegalArgumentException.class,
                () -> SourceIdentificationBenchmark.build(sources.subList(0, 5), 2, SMALL, 7, out)).getMessage();
        assertTrue(odd.contains("5 classes do not make"), odd);
        sources.set(1, new Source("boolq", out.resolve("missing.jsonl"), "passage"));
        String missing = assertThrows(IllegalArgumentException.class,
                () -> SourceIdentificationBenchmark.build(sources, 2, SMALL, 7, out)).getMessage();
        assertTrue(missing.contains("source 'boolq': file not found"), missing);
        sources.set(1, new Source("boolq", TestData.fixture("eval/boolq.jsonl"), "passages"));
        String kind = assertThrows(IllegalArgumentException.class,
                () -> SourceIdentificationBenchmark.build(sources, 2, SMALL, 7, out)).getMessage();
        assertTrue(kind.contains("unknown kind 'passages'"), kind);
        String small = assertThrows(IllegalArgumentException.class,
                () -> SourceIdentificationBenchmark.build(fixtureSources(), 2, new Split(40, 10, 40), 7, out))
                .getMessage();
        assertTrue(small.contains("the split needs 90; lower the per-class counts"), small);
        assertFalse(Files.exists(out.resolve("benchmark.json")));
    }

    @Test
    void theDefaultSourcesOnTheSharedDataFillTheDefaultSplit(@TempDir Path out) throws IOException {
        Path data = SharedData.require("data");
        var result = SourceIdentificationBenchmark.build(SourceIdentificationBenchmark.defaultSources(data), 2,
                SourceIdentificationBenchmark.DEFAULT_SPLIT, 1, out);
        assertEquals(6, result.tasks().size());
        for (int t = 0; t < 6; t++) {
            Path dir = out.resolve(SourceIdentificationBenchmark.taskDirectory(t));
            assertEquals(200, rows(dir.resolve("train.jsonl")).size());
            assertEquals(40, rows(dir.resolve("validation.jsonl")).size());
            assertEquals(120, rows(dir.resolve("test.jsonl")).size());
        }
    }
}
