package dev.sinter.trainers.config;

import dev.sinter.framework.config.CheckpointConfig;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.DataConfig;
import dev.sinter.framework.config.SamplesConfig;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.TrainingConfig;

import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.config.ModelSection;
import dev.sinter.trainers.AnalysisConfig;
import dev.sinter.trainers.FullTrainerConfig;
import dev.sinter.trainers.RunConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    static final String MINIMAL = """
            name: demo
            model:
              name: tiny
            data:
              train: corpus.txt
              seq_len: 32
            training:
              steps: 100
              batch_size: 8
              lr: 1e-3
            """;

    private static final String FULL = """
            # every key set
            name: demo
            output_dir: out/runs
            seed: 7
            model:
              name: tiny
              from: ckpt/step-100
              dim: 64
              n_heads: 8
              max_seq_len: 128
            data:
              train: classpath:raw_sentences.txt
              validation: val.txt
              val_fraction: 0.1
              seq_len: 64
              tokenizer:
                type: llama2c
                path: tok512.bin
              max_tokens: 100000
            training:
              steps: 500
              batch_size: 16
              micro_batch_size: 4
              lr: 3e-4
              min_lr: 3e-5
              warmup_steps: 50
              weight_decay: 0.01
              beta1: 0.85
              beta2: 0.99
              eps: 1e-6
              grad_clip: 0.5
              eval_every: 50
              eval_batches: 4
              log_every: 5
            checkpoint:
              every: 250
              keep_last: 2
              resume: none
            trainer:
              type: full
              trainable: ['layers\\.0\\..*', 'lm_head']
            samples:
              prompts: ["Once upon", ""]
              count: 2
              max_new_tokens: 50
              temperature: 0
              top_p: 1
            analysis:
              emergence: false
              super_weights: false
              report: false
            """;

    @Test
    void fullFileParsesWithExactValues(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("run.yaml"), FULL);
        RunConfig config = RunConfig.load(file, List.of());

        ModelSection model = new ModelSection("tiny", "ckpt/step-100", 64, 2, 8, 2, 64, 260, 128, "rmsnorm", 1e-5,
                "rope", "adjacent", 10000.0, "swiglu", true, 0.02);
        RunConfig expected = new RunConfig("demo", "out/runs", 7, model,
                new DataConfig("classpath:raw_sentences.txt", "val.txt", 0.1, 64,
                        new TokenizerConfig("llama2c", "tok512.bin"), 100000),
                new TrainingConfig(500, 16, 4, 3e-4, 3e-5, 50, 0.01, 0.85, 0.99, 1e-6, 0.5, 50, 4, 5),
                new CheckpointConfig(250, 2, "none"),
                new FullTrainerConfig(List.of("layers\\.0\\..*", "lm_head")),
                new SamplesConfig(List.of("Once upon", ""), 2, 50, 0.0, 1.0),
                new AnalysisConfig(false, false, false), null, null);
        assertEquals(expected, config);
        assertEquals("full", config.trainer().type());
    }

    @Test
    void defaultsAreApplied() {
        RunConfig config = RunConfig.loadString(MINIMAL, "run.yaml", List.of());

        assertEquals("runs", config.outputDir());
        assertEquals(42, config.seed());
        assertEquals(ModelPreset.registry().get("tiny").config(), config.model().resolve());
        assertNull(config.model().from());
        assertEquals(new DataConfig("corpus.txt", null, 0.05, 32, new TokenizerConfig("byte", null), 0), config.data());
        assertEquals(new TrainingConfig(100, 8, 8, 1e-3, 1e-4, 0, 0.1, 0.9, 0.95, 1e-8, 1.0, 100, 8, 10),
                config.training());
        assertEquals(new CheckpointConfig(100, 3, "auto"), config.checkpoint());
        assertEquals(new FullTrainerConfig(null), config.trainer());
        assertEquals(new SamplesConfig(List.of(""), 3, 100, 0.8, 0.95), config.samples());
        assertEquals(new AnalysisConfig(true, true, true), config.analysis());
    }

    @Test
    void overridesSetNumbersStringsBooleansAndNestedKeys() {
        RunConfig config = RunConfig.loadString(MINIMAL, "run.yaml", List.of(
                "training.lr=3e-4", "training.steps = 7", "name=other", "model.name=small",
                "model.tie_embeddings=false", "checkpoint.keep_last=5", "data.tokenizer.type=byte", "seed=1"));

        assertEquals(3e-4, config.training().lr());
        assertEquals(3e-5, config.training().minLr(), 1e-12);
        assertEquals(7, config.training().steps());
        assertEquals("other", config.name());
        assertEquals(256, config.model().resolve().dim());
        assertFalse(config.model().resolve().tieEmbeddings());
        assertEquals(5, config.checkpoint().keepLast());
        assertEquals(1, config.seed());
    }

    @Test
    void overrideValuesAreYaml() {
        RunConfig config = RunConfig.loadString(MINIMAL, "run.yaml", List.of(
                "samples.prompts=[a, 'b c']", "data.validation=null", "trainer.type=full"));

        assertEquals(List.of("a", "b c"), config.samples().prompts());
        assertNull(config.data().validation());
    }

    @Test
    void toYamlRoundTripsToAnEqualRecord(@TempDir Path dir) throws Exception {
        for (String yaml : List.of(MINIMAL, FULL)) {
            RunConfig config = RunConfig.loadString(yaml, "run.yaml", List.of());
            String written = ConfigLoader.toYaml(config);
            Path file = Files.writeString(dir.resolve("config.yaml"), written);

            assertEquals(config, RunConfig.load(file, List.of()), written);
            assertTrue(written.contains("batch_size: "), written);
            assertTrue(written.contains("type: \"full\""), written);
        }
    }

    @Test
    void everyTrainerTypeRoundTripsThroughToYaml(@TempDir Path dir) throws Exception {
        List<String> trainers = List.of(
                "trainer: {type: lora, rank: 4, alpha: 8, dropout: 0.1, targets: [q, v, down]}",
                "trainer: {type: smt, warmup_steps: 5, block_size: 8, budget: 0.01, score: l2, targets: [v]}",
                "trainer: {type: kd, teacher: runs/t, temperature: 2.0, alpha: 0.5,"
                        + " stages: [{until_step: 10, kd_weight: 1.0, temperature: 3.0}, {kd_weight: 0.0}]}",
                "trainer: {type: mos, teacher: runs/t, drop_layers: [0, 1], init_from_teacher: false}");
        for (String trainer : trainers) {
            RunConfig config = RunConfig.loadString(MINIMAL + trainer + "\n", "run.yaml", List.of());
            String written = ConfigLoader.toYaml(config);
            Path file = Files.writeString(dir.resolve("config.yaml"), written);
            assertEquals(config, RunConfig.load(file, List.of()), written);
        }
    }

    @Test
    void bindReadsASingleSection(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("training.yaml"), "steps: 10\nbatch_size: 2\nlr: 0.1\n");

        TrainingConfig training = ConfigLoader.bind(file, TrainingConfig.class, List.of("warmup_steps=3"));

        assertEquals(3, training.warmupSteps());
        assertEquals(2, training.microBatchSize());
    }

    @Test
    void fullTrainerMatchesParameterNamesByRegex() {
        FullTrainerConfig some = new FullTrainerConfig(List.of("layers\\.0\\..*", "lm_head"));

        assertTrue(some.trains("layers.0.attn.wq"));
        assertTrue(some.trains("lm_head"));
        assertFalse(some.trains("layers.1.attn.wq"));
        assertTrue(new FullTrainerConfig(null).trains("anything"));
    }
}
