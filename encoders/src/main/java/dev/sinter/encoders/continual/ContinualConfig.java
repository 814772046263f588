package dev.sinter.encoders.continual;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sinter.encoders.EncoderFamily;
import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.models.config.ModelSection;
import java.nio.file.Path;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * A continual-learning run, as read from YAML by {@code sinter continual CONFIG}: a frozen or fine-tuned encoder
 * learns an ordered list of classification tasks with one method, and is tested on every task seen so far after
 * each. Its own file kind rather than a {@code task:} type of a training run, because one continual run is many
 * learning episodes (one per task, each possibly a whole training run, an HFC pass, a projection) whose result is
 * an accuracy matrix, not one model trained by one loop.
 *
 * @param name      run name; the run directory is {@code output_dir/name}
 * @param outputDir directory under which the run directory is created (default {@code runs})
 * @param seed      seed of the method's random streams (default 42)
 * @param model     the encoder ({@code from: "encoder:<name or directory>"})
 * @param continual the tasks and the method
 * @param training  the schedule and optimizer of each task's learning (steps per task)
 */
public record ContinualConfig(String name, String outputDir, long seed, ModelSection model, Section continual,
                              TrainingConfig training) {
    public ContinualConfig {
        Checks.required("name", name);
        Checks.nonBlank("name", name);
        outputDir = requireNonNullElse(outputDir, "runs");
        Checks.nonBlank("output_dir", outputDir);
        Checks.required("model", model);
        if (!model.family().equals(EncoderFamily.NAME)) {
            throw new IllegalArgumentException("model.from must name an encoder for continual learning, got "
                    + (model.from() == null ? "a decoder preset" : "'" + model.from() + "'")
                    + "; e.g. from: \"encoder:all-minilm-l6-v2\"");
        }
        Checks.required("continual", continual);
        Checks.required("training", training);
    }

    /** Binds the YAML document; name, model, continual and training are required. */
    @JsonCreator
    public static ContinualConfig of(@JsonProperty("name") String name,
                                     @JsonProperty("output_dir") String outputDir,
                                     @JsonProperty("seed") Long seed,
                                     @JsonProperty("model") ModelSection model,
                                     @JsonProperty("continual") Section continual,
                                     @JsonProperty("training") TrainingConfig training) {
        return new ContinualConfig(name, outputDir, requireNonNullElse(seed, 42L), model, continual, training);
    }

    /** Loads a continual config file with {@code key.path=value} overrides applied on top. */
    public static ContinualConfig load(Path file, List<String> overrides) {
        return ConfigLoader.bind(file, ContinualConfig.class, overrides);
    }

    /** Loads a continual config from YAML text; {@code sourceName} stands for the file name in error messages. */
    public static ContinualConfig loadString(String yaml, String sourceName, List<String> overrides) {
        return ConfigLoader.bindString(yaml, sourceName, ContinualConfig.class, overrides);
    }

    /** Whether {@code file} is a continual config (a YAML mapping with a top-level {@code continual:} key). */
    public static boolean isContinualFile(Path file) {
        try {
            return new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(file.toFile()).has("continual");
        } catch (java.io.IOException e) {
            return false; // not readable as YAML: the run-config loader reports why
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

    /**
     * The {@code continual:} section.
     *
     * @param benchmark a directory written by {@code sinter continual-data} ({@code benchmark.json} and
     *                  {@code task-NN/}); exclusive with {@code tasks}
     * @param tasks     the tasks in order, each three JSON Lines files of {@code {"text", "label"}} rows
     * @param maxLength word pieces per example, at most the encoder's position table (default 64)
     * @param method    the continual-learning method ({@code type:} a registered {@link ContinualMethod})
     */
    public record Section(String benchmark, List<TaskFiles> tasks, int maxLength, ContinualMethodConfig method) {
        public Section {
            Checks.nonBlank("benchmark", benchmark);
            if ((benchmark == null) == (tasks == null)) {
                throw new IllegalArgumentException("give either benchmark (a directory of sinter continual-data) or"
                        + " tasks (a list of {name, train, validation, test}), not " + (benchmark == null ? "neither"
                        : "both"));
            }
            if (tasks != null && tasks.size() < 2) {
                throw new IllegalArgumentException("tasks must list at least 2 tasks, got " + tasks.size());
            }
            if (maxLength < 2) {
                throw new IllegalArgumentException("max_length must be >= 2 ([CLS] and [SEP]), got " + maxLength);
            }
            Checks.required("method", method);
        }

        /** Binds the section; max_length defaults to 64. */
        @JsonCreator
        public static Section of(@JsonProperty("benchmark") String benchmark,
                                 @JsonProperty("tasks") List<TaskFiles> tasks,
                                 @JsonProperty("max_length") Integer maxLength,
                                 @JsonProperty("method") ContinualMethodConfig method) {
            return new Section(benchmark, tasks == null ? null : List.copyOf(tasks),
                    requireNonNullElse(maxLength, 64), method);
        }
    }

    /**
     * One task's files: JSON Lines rows {@code {"text": …, "label": …}}.
     *
     * @param name       the task's name in reports (default {@code task-NN})
     * @param train      training rows
     * @param validation validation rows (may be omitted: methods then hold out part of {@code train})
     * @param test       test rows, scored after every later task
     */
    public record TaskFiles(String name, String train, String validation, String test) {
        public TaskFiles {
            Checks.nonBlank("name", name);
            Checks.required("train", train);
            Checks.nonBlank("train", train);
            Checks.nonBlank("validation", validation);
            Checks.required("test", test);
            Checks.nonBlank("test", test);
        }
    }
}
