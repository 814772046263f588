package dev.sinter.trainers;

import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.CheckpointConfig;
import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.DataConfig;
import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.framework.config.SamplesConfig;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.models.config.ModelSection;
import dev.sinter.models.transformer.DecoderFamily;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNullElse;

/**
 * A complete training run, as read from a YAML file by {@link ConfigLoader}.
 *
 * @param name       run name (non-blank)
 * @param outputDir  directory under which the run directory is created (default {@code runs})
 * @param seed       seed of every random stream of the run (default 42)
 * @param model      architecture, or the family and weights to start from
 * @param data       training and validation text of language modelling (absent with {@code task})
 * @param training   schedule and optimizer
 * @param checkpoint checkpoint cadence and resumption (default {@link CheckpointConfig#defaults()})
 * @param trainer    what is trained and how (default {@code type: full}, every parameter)
 * @param samples    generations printed at the end (default {@link SamplesConfig#defaults()})
 * @param analysis   emergence tracking, end-of-run super-weight analysis and report (default
 *                   {@link AnalysisConfig#defaults()}: all on; decoder language modelling only)
 * @param task       what else than language modelling the run trains for (a registered {@link TrainingTaskType},
 *                   e.g. {@code classification}); null = language modelling on {@code data}
 * @param distributed data-parallel training on Spark ({@code sinter-distributed}); null = one process
 */
public record RunConfig(String name, String outputDir, long seed, ModelSection model, DataConfig data,
                        TrainingConfig training, CheckpointConfig checkpoint, TrainerConfig trainer,
                        SamplesConfig samples, AnalysisConfig analysis, TaskConfig task,
                        DistributedConfig distributed) {

    public RunConfig {
        Checks.required("name", name);
        Checks.nonBlank("name", name);
        outputDir = requireNonNullElse(outputDir, "runs");
        Checks.nonBlank("output_dir", outputDir);
        Checks.required("model", model);
        if (task == null) {
            Checks.required("data", data);
        } else if (data != null) {
            throw new IllegalArgumentException("data must be absent with task (" + task.type() + "): the task names its"
                    + " own train and validation files; remove data");
        }
        Checks.required("training", training);
        checkpoint = requireNonNullElse(checkpoint, CheckpointConfig.defaults());
        trainer = requireNonNullElse(trainer, new FullTrainerConfig(null));
        samples = requireNonNullElse(samples, SamplesConfig.defaults());
        analysis = requireNonNullElse(analysis, AnalysisConfig.defaults());
        String family = task == null ? DecoderFamily.NAME
                : TrainingTaskType.registry().get(task.type()).family();
        if (!model.family().equals(family)) {
            throw new IllegalArgumentException("model.from must name a model of the " + family + " family for "
                    + (task == null ? "language modelling" : "task " + task.type()) + ", got "
                    + (model.from() == null ? "a " + DecoderFamily.NAME + " preset" : "'" + model.from() + "'")
                    + (family.equals(DecoderFamily.NAME) ? "" : "; e.g. from: \"" + family + ":<model>\""));
        }
        TrainerType.registry().find(trainer.type()).ifPresent(t -> t.requireFamily(family));
        if (trainer instanceof ChecksArchitecture constrained && model.from() == null) {
            constrained.checkAgainst(DecoderFamily.projections(model.resolve()));
        }
        if (data != null && data.seqLen() > model.maxSeqLen()) {
            throw new IllegalArgumentException("data.seq_len must be <= model.max_seq_len " + model.maxSeqLen()
                    + ", got " + data.seqLen() + "; shorten seq_len or raise max_seq_len");
        }
        if (distributed != null) {
            distributed.checkBatch(training.batchSize(), training.microBatchSize());
        }
    }

    /** Binds the YAML document; null arguments take their defaults; name, model, data and training are required. */
    @JsonCreator
    public static RunConfig of(@JsonProperty("name") String name,
                               @JsonProperty("output_dir") String outputDir,
                               @JsonProperty("seed") Long seed,
                               @JsonProperty("model") ModelSection model,
                               @JsonProperty("data") DataConfig data,
                               @JsonProperty("training") TrainingConfig training,
                               @JsonProperty("checkpoint") CheckpointConfig checkpoint,
                               @JsonProperty("trainer") TrainerConfig trainer,
                               @JsonProperty("samples") SamplesConfig samples,
                               @JsonProperty("analysis") AnalysisConfig analysis,
                               @JsonProperty("task") TaskConfig task,
                               @JsonProperty("distributed") DistributedConfig distributed) {
        return new RunConfig(name, outputDir, requireNonNullElse(seed, 42L), model, data, training, checkpoint,
                trainer, samples, analysis, task, distributed);
    }

    /** A language-modelling run (no {@code task}) with the default analyses. */
    public RunConfig(String name, String outputDir, long seed, ModelSection model, DataConfig data,
                     TrainingConfig training, CheckpointConfig checkpoint, TrainerConfig trainer,
                     SamplesConfig samples) {
        this(name, outputDir, seed, model, data, training, checkpoint, trainer, samples, null, null, null);
    }

    /** Loads a run config file with {@code key.path=value} overrides applied on top. */
    public static RunConfig load(java.nio.file.Path file, java.util.List<String> overrides) {
        return ConfigLoader.bind(file, RunConfig.class, overrides);
    }

    /** Loads a run config from YAML text; {@code sourceName} stands for the file name in error messages. */
    public static RunConfig loadString(String yaml, String sourceName, java.util.List<String> overrides) {
        return ConfigLoader.bindString(yaml, sourceName, RunConfig.class, overrides);
    }

    /** This config as snake_case YAML with every default spelled out; loading it back gives an equal record. */
    public String toYaml() {
        return ConfigLoader.toYaml(this);
    }
}
