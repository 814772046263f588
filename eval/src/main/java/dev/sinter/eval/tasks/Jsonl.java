package dev.sinter.eval.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.util.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads jsonl files, with errors that name the file, the line and the field. */
final class Jsonl {
    private Jsonl() {
    }

    /** A parsed line and where it came from. */
    record Line(Path file, int number, JsonNode node) {
        IllegalArgumentException error(String message) {
            return new IllegalArgumentException(file + ":" + number + ": " + message);
        }

        JsonNode field(String name) {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) {
                throw error("missing field '" + name + "' (fields present: " + fieldNames() + ")");
            }
            return n;
        }

        String text(String name) {
            JsonNode n = field(name);
            if (!n.isTextual()) {
                throw error("field '" + name + "' must be a string, got " + n.getNodeType());
            }
            return n.asText();
        }

        int integer(String name) {
            JsonNode n = field(name);
            if (n.isIntegralNumber()) {
                return n.asInt();
            }
            if (n.isTextual() && n.asText().matches("-?\\d+")) {
                return Integer.parseInt(n.asText());
            }
            throw error("field '" + name + "' must be an integer, got " + n);
        }

        List<String> texts(String name) {
            JsonNode n = field(name);
            if (!n.isArray()) {
                throw error("field '" + name + "' must be an array of strings, got " + n.getNodeType());
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw error("field '" + name + "' must hold only strings, found " + e);
                }
                out.add(e.asText());
            }
            return out;
        }

        private List<String> fieldNames() {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            return names;
        }
    }

    /** Every non-blank line of a jsonl file; a line that is not a JSON object is an error naming file and line. */
    static List<Line> read(Path file) throws IOException {
        List<Line> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String s;
            int number = 0;
            while ((s = r.readLine()) != null) {
                number++;
                if (s.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = Json.mapper().readTree(s);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ":" + number + ": not valid JSON: "
                            + e.getOriginalMessage());
                }
                if (node == null || !node.isObject()) {
                    throw new IllegalArgumentException(file + ":" + number + ": expected a JSON object, got "
                            + (node == null ? "nothing" : node.getNodeType()));
                }
                out.add(new Line(file, number, node));
            }
        }
        return out;
    }
}
