package dev.sinter.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Resolves a {@link SweepFile} into one validated {@link RunConfig} per variant, before anything runs. */
final class Sweeps {
    /** A top-level {@code variants:} key, which a sweep file has and a run config has not. */
    private static final Pattern VARIANTS_KEY = Pattern.compile("(?m)^variants\\s*:");

    private Sweeps() {
    }

    /** Whether {@code file} is a sweep file rather than a run config (it has a top-level {@code variants:} key). */
    static boolean isSweepFile(Path file) throws IOException {
        return Files.isRegularFile(file) && VARIANTS_KEY.matcher(Files.readString(file)).find();
    }

    /**
     * Every variant's run config: the base file, the variant's overrides, then {@code overrides}; named after the
     * variant, under {@code <output_dir>/<sweep name>}.
     *
     * @throws ConfigException {@code FILE: variant V: <the config error, with its key>} for the first invalid variant
     */
    static Map<String, RunConfig> resolve(Path sweepFile, List<String> overrides) {
        SweepFile sweep = SweepFile.load(sweepFile);
        Path base = sweep.basePath(sweepFile);
        if (!Files.isRegularFile(base)) {
            throw new ConfigException(sweepFile + ": base: file not found: " + base + "; give the base run config's"
                    + " path relative to the sweep file");
        }
        for (String o : overrides) {
            requireNotReserved(sweepFile + " (override " + o + ")", o, List.of("name"));
        }
        Map<String, RunConfig> configs = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> run : sweep.runs().entrySet()) {
            String variant = run.getKey();
            String where = sweepFile + ": variant " + variant;
            List<String> all = new ArrayList<>(run.getValue());
            all.forEach(o -> requireNotReserved(where, o, SweepFile.RESERVED_KEYS));
            all.addAll(overrides);
            try {
                RunConfig resolved = RunConfig.load(base, all);
                all.add("output_dir=" + yamlString(Path.of(resolved.outputDir()).resolve(sweep.name()).toString()));
                all.add("name=" + yamlString(variant));
                configs.put(variant, RunConfig.load(base, all));
            } catch (ConfigException e) {
                throw new ConfigException(where + ": " + e.getMessage());
            }
        }
        return configs;
    }

    /** A string as a quoted scalar (JSON quoting, which YAML reads back as the same string). */
    private static String yamlString(String s) {
        return JsonNodeFactory.instance.textNode(s).toString();
    }

    private static void requireNotReserved(String where, String assignment, List<String> reserved) {
        String key = assignment.substring(0, Math.max(0, assignment.indexOf('='))).strip();
        if (reserved.contains(key)) {
            throw new ConfigException(where + ": " + key + ": a sweep names each run after its variant, under"
                    + " <output_dir>/<sweep name>; remove this key (set output_dir in the base config or on the"
                    + " command line)");
        }
    }
}
