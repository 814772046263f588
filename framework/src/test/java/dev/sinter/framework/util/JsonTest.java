package dev.sinter.framework.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared mapper's settings, which every JSON file Sinter writes or reads relies on. */
class JsonTest {
    record Point(String name, int stepCount, double loss) {
    }

    @Test
    void writeIsOneLineWithRecordComponentsAndMapOrderAsGiven() throws IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", 3);
        row.put("b", List.of(1, 2));
        row.put("a", new Point("x\ny", 2, 0.5));
        String line = Json.write(row);
        assertEquals("{\"step\":3,\"b\":[1,2],\"a\":{\"name\":\"x\\ny\",\"stepCount\":2,\"loss\":0.5}}", line);
        assertFalse(line.contains("\n"), "a jsonl row must be one line");
    }

    @Test
    void prettyIndentsAndReadsBackTheSameTree(@TempDir Path dir) throws IOException {
        Point p = new Point("a", 1, 2.25);
        String text = Json.pretty().writeValueAsString(p);
        assertEquals("{\n  \"name\" : \"a\",\n  \"stepCount\" : 1,\n  \"loss\" : 2.25\n}", text.replace("\r", ""));
        Path file = dir.resolve("p.json");
        Json.writePretty(file, p);
        assertEquals(text, Files.readString(file));
        assertEquals(p, Json.read(file, Point.class));
        assertEquals(Json.read(Json.write(p)), Json.read(file));
    }

    @Test
    void unknownPropertiesAreErrors() {
        UnrecognizedPropertyException e = assertThrows(UnrecognizedPropertyException.class,
                () -> Json.mapper().readValue("{\"name\":\"a\",\"stepCount\":1,\"loss\":0,\"extra\":1}", Point.class));
        assertEquals("extra", e.getPropertyName());
    }

    @Test
    void nonFiniteDoublesRoundTripAsStrings() throws IOException {
        String line = Json.write(Map.of("loss", Double.NaN));
        assertEquals("{\"loss\":\"NaN\"}", line);
        assertTrue(Double.isNaN(Json.mapper().readValue(Json.write(new Point("n", 0, Double.NaN)), Point.class).loss()));
        JsonNode inf = Json.read(Json.write(Map.of("x", Double.POSITIVE_INFINITY)));
        assertEquals("Infinity", inf.get("x").asText());
    }

    @Test
    void theMapperIsOneSharedInstance() {
        assertSame(Json.mapper(), Json.mapper());
        assertSame(Json.pretty(), Json.pretty());
    }
}
