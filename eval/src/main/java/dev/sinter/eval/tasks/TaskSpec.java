package dev.sinter.eval.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A multiple-choice task over a jsonl file, defined by a field mapping; the built-in jsonl tasks are specs too, and
 * users write their own as YAML (see {@code configs/eval/example_task.yaml}).
 *
 * <p>Prompt: the context is {@code query} without trailing whitespace, followed by {@code prompt_suffix}; each
 * continuation is {@code continuation_delimiter + choice} (no delimiter when the choice starts with whitespace).
 * With {@code type: partial}, each of {@code context_options} is a context and the shared {@code continuation}
 * (after the delimiter) is scored.
 *
 * @param file relative paths are resolved against the YAML file's folder (built-ins: the shared data folder)
 */
public record TaskSpec(String name, String file, String type, String queryField, String choicesField,
                       String goldField, String contextOptionsField, String continuationField, String promptSuffix,
                       String continuationDelimiter, Integer version) {
    public static final String MULTIPLE_CHOICE = "multiple_choice";
    public static final String PARTIAL = "partial";

    /** Fills the defaults: type multiple_choice, fields query/choices/gold/context_options/continuation, " ". */
    public TaskSpec(@JsonProperty(value = "name", required = true) String name,
                    @JsonProperty(value = "file", required = true) String file,
                    @JsonProperty("type") String type, @JsonProperty("query_field") String queryField,
                    @JsonProperty("choices_field") String choicesField, @JsonProperty("gold_field") String goldField,
                    @JsonProperty("context_options_field") String contextOptionsField,
                    @JsonProperty("continuation_field") String continuationField,
                    @JsonProperty("prompt_suffix") String promptSuffix,
                    @JsonProperty("continuation_delimiter") String continuationDelimiter,
                    @JsonProperty("version") Integer version) {
        this.name = name;
        this.file = file;
        this.type = type == null ? MULTIPLE_CHOICE : type;
        this.queryField = queryField == null ? "query" : queryField;
        this.choicesField = choicesField == null ? "choices" : choicesField;
        this.goldField = goldField == null ? "gold" : goldField;
        this.contextOptionsField = contextOptionsField == null ? "context_options" : contextOptionsField;
        this.continuationField = continuationField == null ? "continuation" : continuationField;
        this.promptSuffix = promptSuffix == null ? "" : promptSuffix;
        this.continuationDelimiter = continuationDelimiter == null ? " " : continuationDelimiter;
        this.version = version == null ? 0 : version;
        if (!this.type.equals(MULTIPLE_CHOICE) && !this.type.equals(PARTIAL)) {
            throw new UsageException("type: must be '" + MULTIPLE_CHOICE + "' or '" + PARTIAL + "', got '"
                    + type + "'");
        }
        if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new UsageException("name: must be letters, digits, '_', '.' or '-', got '" + name + "'");
        }
    }

    /** A multiple-choice spec with the default field names. */
    static TaskSpec multipleChoice(String name, String file, String promptSuffix) {
        return new TaskSpec(name, file, MULTIPLE_CHOICE, null, null, null, null, null, promptSuffix, null, 0);
    }

    /** A partial-scoring spec with the default field names. */
    static TaskSpec partial(String name, String file) {
        return new TaskSpec(name, file, PARTIAL, null, null, null, null, null, null, null, 0);
    }

    /**
     * Reads a YAML task definition; unknown keys and missing required keys are errors naming the file and line.
     */
    public static TaskSpec fromYaml(Path yaml) throws IOException {
        // a YAML mapper (task files are YAML), not the shared JSON one
        ObjectMapper m = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            return m.readValue(yaml.toFile(), TaskSpec.class);
        } catch (UnrecognizedPropertyException e) {
            throw new UsageException(yaml + ":" + lineOf(yaml, e.getPropertyName()) + ": unknown key '"
                    + e.getPropertyName() + "' (keys: " + KEYS + ")");
        } catch (JsonMappingException e) {
            String where = e.getLocation() == null ? "" : ":" + e.getLocation().getLineNr();
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            String msg = cause == e ? e.getOriginalMessage() : cause.getMessage();
            throw new UsageException(yaml + where + ": " + msg.lines().findFirst().orElse(msg)
                    + " (keys: " + KEYS + ")");
        }
    }

    private static final String KEYS = "name, file, type, query_field, choices_field, gold_field,"
            + " context_options_field, continuation_field, prompt_suffix, continuation_delimiter, version";

    /** The 1-based line where a top-level key is written (Jackson reports the position after it). */
    private static int lineOf(Path yaml, String key) throws IOException {
        List<String> lines = Files.readAllLines(yaml);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(key + ":")) {
                return i + 1;
            }
        }
        return 1;
    }

    /** The task over {@code baseDir.resolve(file)}. */
    public MultipleChoiceTask toTask(Path baseDir) {
        Path path = baseDir.resolve(file);
        return new MultipleChoiceTask(name, version, () -> load(path));
    }

    List<MultipleChoiceTask.Item> load(Path path) throws IOException {
        List<MultipleChoiceTask.Item> items = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(path)) {
            try {
                if (type.equals(PARTIAL)) {
                    items.add(MultipleChoiceTask.Item.partial(line.texts(contextOptionsField),
                            line.text(continuationField), line.integer(goldField), continuationDelimiter));
                } else {
                    String context = line.text(queryField).stripTrailing() + promptSuffix;
                    items.add(MultipleChoiceTask.Item.of(context, line.texts(choicesField), line.integer(goldField),
                            continuationDelimiter));
                }
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith(path.toString()) ? e : line.error(e.getMessage());
            }
        }
        return items;
    }
}
