package dev.sinter.encoders.continual.lm;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sinter.encoders.continual.ContinualMethodConfig;
import dev.sinter.encoders.continual.PromptMethodConfig;
import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.TrainingConfig;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * A continual run of prompt sets on a frozen causal LM over text domains, as read from YAML by {@code sinter
 * continual CONFIG} when its {@code continual:} section lists {@code domains}.
 *
 * @param name      run name; the run directory is {@code output_dir/name}
 * @param outputDir directory under which the run directory is created (default {@code runs})
 * @param seed      seed of the sampling and the new prompt sets (default 42)
 * @param model     the frozen decoder: a llama2.c {@code .bin} (its {@code tok*.bin} beside it), an HF directory or
 *                  a Sinter checkpoint or run directory (with its saved tokenizer)
 * @param continual the domains and the method
 * @param training  the schedule of each domain's prompt training (steps per domain)
 */
public record LmContinualConfig(String name, String outputDir, long seed, String model, Section continual,
                                TrainingConfig training) {
    public LmContinualConfig {
        Checks.required("name", name);
        Checks.nonBlank("name", name);
        outputDir = requireNonNullElse(outputDir, "runs");
        Checks.nonBlank("output_dir", outputDir);
        Checks.required("model", model);
        Checks.nonBlank("model", model);
        Checks.required("continual", continual);
        Checks.required("training", training);
    }

    /** Binds the YAML document; name, model, continual and training are required. */
    @JsonCreator
    public static LmContinualConfig of(@JsonProperty("name") String name,
                                       @JsonProperty("output_dir") String outputDir,
                                       @JsonProperty("seed") Long seed,
                                       @JsonProperty("model") String model,
                                       @JsonProperty("continual") Section continual,
                                       @JsonProperty("training") TrainingConfig training) {
        return new LmContinualConfig(name, outputDir, requireNonNullElse(seed, 42L), model, continual, training);
    }

    /** Loads a decoder continual config file with {@code key.path=value} overrides applied on top. */
    public static LmContinualConfig load(Path file, List<String> overrides) {
        return ConfigLoader.bind(file, LmContinualConfig.class, overrides);
    }

    /** Loads a decoder continual config from YAML text; {@code sourceName} names it in error messages. */
    public static LmContinualConfig loadString(String yaml, String sourceName, List<String> overrides) {
        return ConfigLoader.bindString(yaml, sourceName, LmContinualConfig.class, overrides);
    }

    /** Whether {@code file} is a decoder continual config (its {@code continual:} section lists {@code domains}). */
    public static boolean isLmFile(Path file) {
        try {
            var tree = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(file.toFile());
            return tree.has("continual") && tree.get("continual").has("domains");
        } catch (java.io.IOException e) {
            return false; // not readable as YAML: the loader reports why
        }
    }

    /** This config as YAML with every default spelled out. */
    public String toYaml() {
        return ConfigLoader.toYaml(this);
    }

    /** The run directory. */
    public Path runDirectory() {
        return Path.of(outputDir).resolve(name);
    }

    /** The method, which must be a prompt method. */
    public PromptMethodConfig method() {
        return (PromptMethodConfig) continual.method();
    }

    /**
     * The {@code continual:} section of a decoder run.
     *
     * @param domains        the text domains in learning order (at least 2)
     * @param seqLen         tokens per window (training and test), at most the model's max_seq_len (default 64)
     * @param maxTrainTokens training tokens kept per domain, from its start (default 20000)
     * @param testWindows    test windows per domain, from the end of its file (default 16)
     * @param method         {@code type:} sequential-prompt, always-grow or lw2g with their {@code prompt:} and
     *                       {@code lw2g:} keys
     */
    public record Section(List<Domain> domains, int seqLen, int maxTrainTokens, int testWindows,
                          ContinualMethodConfig method) {
        public Section {
            Checks.required("domains", domains);
            if (domains.size() < 2) {
                throw new IllegalArgumentException("domains must list at least 2 text domains, got " + domains.size());
            }
            var names = new HashSet<String>();
            for (Domain d : domains) {
                if (!names.add(d.name())) {
                    throw new IllegalArgumentException("domains: the name '" + d.name() + "' appears twice; give each"
                            + " domain its own name");
                }
            }
            Checks.positive("seq_len", seqLen);
            Checks.positive("max_train_tokens", maxTrainTokens);
            Checks.positive("test_windows", testWindows);
            Checks.required("method", method);
            if (!(method instanceof PromptMethodConfig)) {
                throw new IllegalArgumentException("method.type '" + method.type() + "' has no decoder variant; use"
                        + " sequential-prompt, always-grow or lw2g");
            }
        }

        /** Binds the section with its defaults. */
        @JsonCreator
        public static Section of(@JsonProperty("domains") List<Domain> domains,
                                 @JsonProperty("seq_len") Integer seqLen,
                                 @JsonProperty("max_train_tokens") Integer maxTrainTokens,
                                 @JsonProperty("test_windows") Integer testWindows,
                                 @JsonProperty("method") ContinualMethodConfig method) {
            return new Section(domains == null ? null : List.copyOf(domains), requireNonNullElse(seqLen, 64),
                    requireNonNullElse(maxTrainTokens, 20000), requireNonNullElse(testWindows, 16), method);
        }
    }

    /**
     * One text domain: a UTF-8 file whose tokens are split into a test part (the last {@code test_windows} windows)
     * and a training part (everything before it, cut to {@code max_train_tokens}).
     *
     * @param name its name in reports
     * @param file the text file
     */
    public record Domain(String name, String file) {
        public Domain {
            Checks.required("name", name);
            Checks.nonBlank("name", name);
            Checks.required("file", file);
            Checks.nonBlank("file", file);
        }
    }
}
