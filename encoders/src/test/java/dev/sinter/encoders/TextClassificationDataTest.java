package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** PIQA as paired classification: both pairs of a goal stay together, and a goal is answered by its likelier pair. */
class TextClassificationDataTest {

    @Test
    void piqaGoalsBecomeAdjacentPairsAndArePairedForAccuracy(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("piqa.jsonl");
        Files.write(file, List.of(
                "{\"choices\": [\"a0\", \"b0\"], \"gold\": 0, \"query\": \"Question: g0\\n\"}",
                "{\"choices\": [\"a1\", \"b1\"], \"gold\": 1, \"query\": \"Question: g1\\n\"}",
                "{\"choices\": [\"a2\", \"b2\"], \"gold\": 1, \"query\": \"Question: g2\\n\"}",
                "{\"choices\": [\"a3\", \"b3\"], \"gold\": 0, \"query\": \"Question: g3\\n\"}"));
        TextClassificationData data = TextClassificationData.piqa(file, 2, 0, 42);
        assertEquals(List.of("wrong", "right"), data.classes());
        assertEquals(4, data.test().size());
        assertEquals(4, data.train().size());
        for (List<TextClassificationData.Item> split : List.of(data.train(), data.test())) {
            for (int i = 0; i < split.size(); i += 2) {
                TextClassificationData.Item first = split.get(i);
                TextClassificationData.Item second = split.get(i + 1);
                assertEquals(first.first(), second.first(), "a goal's two pairs are adjacent");
                assertEquals(1, first.label() + second.label(), "exactly one solution is right");
                assertTrue(first.second().startsWith("a") && second.second().startsWith("b"), "file order kept");
            }
        }
        // right on the first goal, wrong on the second: 0.5
        int gold0 = data.test().get(0).label() == 1 ? 0 : 1;
        double[][] p = new double[4][];
        p[gold0] = new double[]{0.2, 0.8};
        p[1 - gold0] = new double[]{0.6, 0.4};
        int gold1 = data.test().get(2).label() == 1 ? 2 : 3;
        p[gold1] = new double[]{0.9, 0.1};
        p[gold1 == 2 ? 3 : 2] = new double[]{0.5, 0.5};
        assertEquals(0.5, data.pairedAccuracy(Nd4j.createFromArray(p)), 1e-12);
    }

    @Test
    void malformedPiqaLineIsNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.write(file, List.of("{\"choices\": [\"only one\"], \"gold\": 0, \"query\": \"Question: g\\n\"}"));
        IOException e = assertThrows(IOException.class, () -> TextClassificationData.piqa(file, 1, 0, 1));
        assertTrue(e.getMessage().contains("bad.jsonl:1"), e.getMessage());
    }
}
