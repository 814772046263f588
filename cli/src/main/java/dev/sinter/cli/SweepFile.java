package dev.sinter.cli;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A sweep file: one base run config and named variants of it, each an override map ({@code key.path: value}, the
 * value any YAML: a number, a string, a list, or a whole section such as {@code trainer: {type: lora, rank: 4}}),
 * and/or a grid of values per key path, whose every combination is a variant.
 * <pre>
 * name: finetune        # runs go to &lt;output_dir&gt;/finetune/&lt;variant&gt;, the sweep report to &lt;output_dir&gt;/finetune/
 * base: base.yaml       # the run config every variant starts from, relative to this file
 * variants:
 *   full: {}
 *   lora-r4: {trainer: {type: lora, rank: 4, alpha: 8}}
 * grid:                 # optional: with variants, every variant at every grid point (full_lr-0.001, …)
 *   training.lr: [1.0e-3, 3.0e-3]
 * </pre>
 *
 * @param name     the sweep's name: a folder name
 * @param base     the base run config's path, relative to the sweep file's folder
 * @param variants variant name (a folder name) → its overrides, in file order; empty = the base alone
 * @param grid     key path → the values it takes; a grid point's name joins {@code <last key segment>-<value>} with
 *                 {@code _}; empty = no grid
 */
public record SweepFile(String name, String base, Map<String, Map<String, JsonNode>> variants,
                        Map<String, List<JsonNode>> grid) {
    private static final Pattern FOLDER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** Keys a variant cannot set: the sweep names each run after its variant and puts it under the sweep's folder. */
    static final List<String> RESERVED_KEYS = List.of("name", "output_dir");

    public SweepFile {
        Checks.required("name", name);
        requireFolderName("name", name);
        Checks.required("base", base);
        Checks.nonBlank("base", base);
        variants = variants == null ? Map.of() : variants;
        grid = grid == null ? Map.of() : grid;
        if (variants.isEmpty() && grid.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs variants and/or a grid, e.g. variants: {a: {}, b:"
                    + " {training.lr: 0.01}}");
        }
        Map<String, Map<String, JsonNode>> copy = new LinkedHashMap<>();
        variants.forEach((variant, overrides) -> {
            requireFolderName("variant '" + variant + "'", variant);
            copy.put(variant, overrides == null ? Map.of() : new LinkedHashMap<>(overrides));
        });
        variants = Collections.unmodifiableMap(copy);
        Map<String, List<JsonNode>> axes = new LinkedHashMap<>();
        grid.forEach((key, values) -> {
            if (values == null || values.isEmpty()) {
                throw new IllegalArgumentException("grid." + key + " must list at least one value, e.g. [1, 2]");
            }
            axes.put(key, List.copyOf(values));
        });
        grid = Collections.unmodifiableMap(axes);
    }

    /** Binds the YAML document (unknown keys rejected, errors name the file and line). */
    @JsonCreator
    public static SweepFile of(@JsonProperty("name") String name, @JsonProperty("base") String base,
                               @JsonProperty("variants") Map<String, Map<String, JsonNode>> variants,
                               @JsonProperty("grid") Map<String, List<JsonNode>> grid) {
        return new SweepFile(name, base, variants, grid);
    }

    /** Reads a sweep file. */
    public static SweepFile load(Path file) {
        return ConfigLoader.bind(file, SweepFile.class, List.of());
    }

    /** The base config's path, resolved against the sweep file's folder. */
    public Path basePath(Path sweepFile) {
        Path dir = sweepFile.toAbsolutePath().getParent();
        return Path.of(base).isAbsolute() ? Path.of(base) : dir.resolve(base).normalize();
    }

    /**
     * Every run of the sweep, in order: its name → its overrides as {@code key.path=value} assignments (values written
     * as JSON, which YAML reads back), the variant's first, then the grid point's.
     */
    public Map<String, List<String>> runs() {
        Map<String, List<String>> runs = new LinkedHashMap<>();
        if (variants.isEmpty()) {
            runs.put("", List.of());
        } else {
            for (Map.Entry<String, Map<String, JsonNode>> v : variants.entrySet()) {
                runs.put(v.getKey(), assignments(v.getValue()));
            }
        }
        for (Map.Entry<String, List<JsonNode>> axis : grid.entrySet()) {
            Map<String, List<String>> next = new LinkedHashMap<>();
            String key = axis.getKey();
            String label = key.substring(key.lastIndexOf('.') + 1);
            for (Map.Entry<String, List<String>> run : runs.entrySet()) {
                for (JsonNode value : axis.getValue()) {
                    String point = label + "-" + pointName(value);
                    List<String> o = new ArrayList<>(run.getValue());
                    o.add(key + "=" + value);
                    next.put((run.getKey().isEmpty() ? "" : run.getKey() + "_") + point, o);
                }
            }
            runs = next;
        }
        return runs;
    }

    /** A grid value in a folder name: scalars as written, lists and sections by their words ({@code [q, k]}: q-k). */
    private static String pointName(JsonNode value) {
        String raw = value.isContainerNode() ? value.toString().replaceAll("^[^A-Za-z0-9.-]+|[^A-Za-z0-9.-]+$", "")
                : value.asText();
        return raw.replaceAll("[^A-Za-z0-9._-]+", "-");
    }

    private static List<String> assignments(Map<String, JsonNode> overrides) {
        List<String> out = new ArrayList<>();
        overrides.forEach((key, value) -> out.add(key + "=" + value));
        return out;
    }

    private static void requireFolderName(String what, String value) {
        if (!FOLDER_NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be a folder name (letters, digits, '.', '_', '-'), got '"
                    + value + "'");
        }
    }
}
