package dev.sinter.cli;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A sweep file: one base run config and named variants of it, each an override map ({@code key.path: value}, the
 * value any YAML: a number, a string, a list, or a whole section such as {@code trainer: {type: lora, rank: 4}}).
 * <pre>
 * name: finetune        # runs go to &lt;output_dir&gt;/finetune/&lt;variant&gt;, the sweep report to &lt;output_dir&gt;/finetune/
 * base: base.yaml       # the run config every variant starts from, relative to this file
 * variants:
 *   full: {}
 *   lora-r4: {trainer: {type: lora, rank: 4, alpha: 8}}
 * </pre>
 *
 * @param name     the sweep's name: a folder name
 * @param base     the base run config's path, relative to the sweep file's folder
 * @param variants variant name (a folder name) → its overrides, in file order
 */
public record SweepFile(String name, String base, Map<String, Map<String, JsonNode>> variants) {
    private static final Pattern FOLDER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** Keys a variant cannot set: the sweep names each run after its variant and puts it under the sweep's folder. */
    static final List<String> RESERVED_KEYS = List.of("name", "output_dir");

    public SweepFile {
        Checks.required("name", name);
        requireFolderName("name", name);
        Checks.required("base", base);
        Checks.nonBlank("base", base);
        Checks.required("variants", variants);
        if (variants.isEmpty()) {
            throw new IllegalArgumentException("variants must name at least one variant, e.g. variants: {base: {}}");
        }
        Map<String, Map<String, JsonNode>> copy = new LinkedHashMap<>();
        variants.forEach((variant, overrides) -> {
            requireFolderName("variant '" + variant + "'", variant);
            copy.put(variant, overrides == null ? Map.of() : new LinkedHashMap<>(overrides));
        });
        variants = java.util.Collections.unmodifiableMap(copy);
    }

    /** Binds the YAML document (unknown keys rejected, errors name the file and line). */
    @JsonCreator
    public static SweepFile of(@JsonProperty("name") String name, @JsonProperty("base") String base,
                               @JsonProperty("variants") Map<String, Map<String, JsonNode>> variants) {
        return new SweepFile(name, base, variants);
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

    /** A variant's overrides as {@code key.path=value} assignments (values written as JSON, which YAML reads back). */
    public List<String> overrides(String variant) {
        List<String> out = new ArrayList<>();
        variants.get(variant).forEach((key, value) -> out.add(key + "=" + value.toString()));
        return out;
    }

    private static void requireFolderName(String what, String value) {
        if (!FOLDER_NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be a folder name (letters, digits, '.', '_', '-'), got '"
                    + value + "'");
        }
    }
}
