package dev.sinter.framework.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One YAML config document as a tree, with the source line of every key path ({@code training.lr},
 * {@code samples.prompts[1]}) and the command-line overrides applied on top, so errors can say where they come from.
 */
final class YamlSource {
    private static final Pattern KEY_PATH = Pattern.compile("[^.\\s]+(\\.[^.\\s]+)*");

    private final String name;
    private final Map<String, Integer> lines = new HashMap<>();
    private final Map<String, String> overrides = new HashMap<>();
    private ObjectNode tree;

    private YamlSource(String name) {
        this.name = name;
    }

    /** Parses {@code text}; syntax errors, duplicate keys and a non-mapping document are config errors. */
    static YamlSource parse(String text, String name) {
        YamlSource source = new YamlSource(name);
        JsonNode root;
        try (JsonParser parser = ConfigLoader.mapper().createParser(text)) {
            if (parser.nextToken() != null) {
                source.lines.put("", parser.currentTokenLocation().getLineNr());
                source.index(parser, "");
            }
            root = ConfigLoader.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(name + ":" + errorLine(e) + ": invalid YAML: " + problem(e)
                    + "; check the indentation, colons and quoting around this line");
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: reading from a String
        }
        if (root.isMissingNode() || root.isNull()) {
            source.tree = JsonNodeFactory.instance.objectNode();
        } else if (root instanceof ObjectNode object) {
            source.tree = object;
        } else {
            throw source.error("", "expected a mapping of keys (key: value lines), got " + describe(root));
        }
        return source;
    }

    /** The document with all overrides applied. */
    ObjectNode tree() {
        return tree;
    }

    /** Applies one {@code key.path=value} override; the value is parsed as YAML ({@code 3e-4}, {@code true}, …). */
    void override(String assignment) {
        int eq = assignment.indexOf('=');
        String key = eq < 0 ? "" : assignment.substring(0, eq).strip();
        if (!KEY_PATH.matcher(key).matches()) {
            throw new ConfigException(name + " (override " + assignment
                    + "): malformed override; write it as key.path=value, e.g. training.lr=3e-4");
        }
        overrides.put(key, assignment);
        JsonNode value;
        try {
            value = ConfigLoader.mapper().readTree(assignment.substring(eq + 1));
        } catch (JsonProcessingException e) {
            throw error(key, "cannot parse the value as YAML: " + problem(e) + "; quote it");
        }
        String[] parts = key.split("\\.");
        ObjectNode parent = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = parent.get(parts[i]);
            if (child == null || child.isNull()) {
                child = parent.putObject(parts[i]);
            } else if (!child.isObject()) {
                throw error(key, "cannot set a key inside '" + parts[i] + "', which is " + describe(child)
                        + "; override '" + String.join(".", Arrays.copyOf(parts, i + 1)) + "' instead");
            }
            parent = (ObjectNode) child;
        }
        parent.set(parts[parts.length - 1], value.isMissingNode() ? NullNode.getInstance() : value);
    }

    /** Whether the YAML or an override wrote this key path. */
    boolean mentions(String path) {
        return lines.containsKey(path) || overrides.containsKey(path);
    }

    /** A config error at {@code path} ("" = top level), located by override or source line. */
    ConfigException error(String path, String problem) {
        return new ConfigException(locate(path) + ": " + (path.isEmpty() ? "(top level)" : path) + ": " + problem);
    }

    /** "a list", "a mapping", or the scalar as written ('text' quoted). */
    static String describe(JsonNode node) {
        if (node.isArray()) {
            return "a list";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        return node.isTextual() ? "'" + node.asText() + "'" : node.asText();
    }

    private String locate(String path) {
        for (String p = path; ; p = parent(p)) {
            if (overrides.containsKey(p)) {
                return name + " (override " + overrides.get(p) + ")";
            }
            if (p.isEmpty()) {
                break;
            }
        }
        for (String p = path; ; p = parent(p)) {
            if (lines.containsKey(p)) {
                return name + ":" + lines.get(p);
            }
            if (p.isEmpty()) {
                return name + ":1";
            }
        }
    }

    private static String parent(String path) {
        return path.substring(0, Math.max(0, Math.max(path.lastIndexOf('.'), path.lastIndexOf('['))));
    }

    /** Records the line of every key below the current value; the parser is on the value's first token. */
    private void index(JsonParser parser, String path) throws IOException {
        if (parser.currentToken() == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = path.isEmpty() ? parser.currentName() : path + "." + parser.currentName();
                int line = parser.currentTokenLocation().getLineNr();
                Integer first = lines.putIfAbsent(key, line);
                if (first != null) {
                    throw new ConfigException(name + ":" + line + ": " + key + ": duplicate key (first set on line "
                            + first + "); keep only one");
                }
                parser.nextToken();
                index(parser, key);
            }
        } else if (parser.currentToken() == JsonToken.START_ARRAY) {
            for (int i = 0; parser.nextToken() != JsonToken.END_ARRAY; i++) {
                String item = path + "[" + i + "]";
                lines.put(item, parser.currentTokenLocation().getLineNr());
                index(parser, item);
            }
        }
    }

    private static int errorLine(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
            return yaml.getProblemMark().getLine() + 1;
        }
        return e.getLocation() == null ? 1 : e.getLocation().getLineNr();
    }

    private static String problem(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblem() != null) {
            return yaml.getProblem() + (yaml.getContext() == null ? "" : " (" + yaml.getContext() + ")");
        }
        return e.getOriginalMessage().lines().findFirst().orElse("");
    }
}
