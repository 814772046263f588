package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.lora.LoraTrainer;
import dev.sinter.trainers.norms.NormTrainerConfig;
import dev.sinter.trainers.smt.SmtTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The contract every trainer keeps, run end to end on the tiny model and real text: every registered
 * {@link TrainerType} (those of test modules too) with its {@link TrainerType.Example}.
 */
class TrainerContractTest {
    static final int[][] PROBE = {{84, 104, 101, 32, 113, 117, 105, 99, 107}};

    /** Every registered trainer type, in registration order. */
    static Stream<String> registeredTypes() {
        return TrainerType.registry().names().stream();
    }

    /** A 12-step run of {@code type}'s example (its teacher trained first into {@code dir/teacher}), plus overrides. */
    static RunConfig config(Path dir, String name, String type, String... more) throws IOException {
        TrainerType.Example example = TrainerType.registry().get(type).example();
        String trainer = example.teacherRun() == null ? example.trainer() : example.trainer(teacher(dir, example));
        List<String> all = new ArrayList<>(List.of("trainer=" + trainer, "training.steps=12", "checkpoint.every=6",
                "training.eval_every=6"));
        all.addAll(List.of(more));
        return TrainingRunTest.config(dir, name, all.toArray(String[]::new));
    }

    /** The teacher run of an example, trained once per test directory. */
    private static Path teacher(Path dir, TrainerType.Example example) throws IOException {
        Path run = dir.resolve("teacher");
        if (Files.isDirectory(run)) {
            return run;
        }
        List<String> overrides = new ArrayList<>(example.teacherRun());
        overrides.addAll(List.of("training.steps=2", "training.warmup_steps=0"));
        return TrainingRunTestAccess.train(dir, "teacher", overrides.toArray(String[]::new));
    }

    /** The dense model a finished run leaves behind, loaded as a user loads it (an adapter run through its merge). */
    static TransformerModel reload(Path runDir) throws IOException {
        boolean adapter = CheckpointManager.read(ModelIO.resolve(runDir)).metadata().containsKey(ModelIO.ADAPTER_KEY);
        return adapter ? LoraTrainer.mergeCheckpoint(runDir, null) : ModelIO.load(runDir);
    }

    @Test
    void everyBuiltInMethodIsRegisteredWithAnExampleAndTheTestModulesToo() {
        List<String> builtIn = List.of("full", "lora", "smt", "kd", "mos");
        assertEquals(builtIn, TrainerType.registry().names().stream().filter(builtIn::contains).toList());
        assertTrue(TrainerType.registry().names().contains(NormTrainerConfig.TYPE), "registered by the test module");
        for (TrainerType<?> t : TrainerType.registry().entries()) {
            TrainerConfig example = ConfigLoader.bindString(t.example().trainer(Path.of("runs/teacher")), "t.yaml",
                    TrainerConfig.class, List.of());
            assertEquals(t.recordType(), example.getClass(), "the example binds to the registered record");
            assertEquals(t.name(), example.type());
        }
    }

    @ParameterizedTest
    @MethodSource("registeredTypes")
    void resumedRunReproducesTheStraightRun(String type, @TempDir Path dir) throws IOException {
        new TrainingRun(config(dir, "straight", type)).execute();
        RunConfig cfg = config(dir, "resumed", type);
        TrainingRun crashing = new TrainingRun(cfg).addListener(TrainingRunTestAccess.crashAt(8));
        assertThrows(IllegalStateException.class, crashing::execute);
        TrainingRun.Result resumed = new TrainingRun(cfg).execute();
        assertEquals(TrainingRunTest.trainLosses(dir.resolve("straight")), TrainingRunTest.trainLosses(dir.resolve("resumed")));
        // save → load → identical outputs (LoRA through its merge)
        assertEquals(resumed.decoder().logits(PROBE), reload(dir.resolve("resumed")).logits(PROBE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-moe", "tiny-prmoe"})
    void moeModelsResumeExactly(String modelName, @TempDir Path dir) throws IOException {
        String model = "model.name=" + modelName;
        new TrainingRun(config(dir, "straight", "full", model, "trainer={type: full}")).execute();
        RunConfig cfg = config(dir, "resumed", "full", model, "trainer={type: full}");
        TrainingRun crashing = new TrainingRun(cfg).addListener(TrainingRunTestAccess.crashAt(9));
        assertThrows(IllegalStateException.class, crashing::execute);
        new TrainingRun(cfg).execute();
        assertEquals(TrainingRunTest.trainLosses(dir.resolve("straight")), TrainingRunTest.trainLosses(dir.resolve("resumed")));
        assertTrue(Files.readString(dir.resolve("resumed/metrics.jsonl")).contains("\"moe_aux_loss\""));
    }

    @Test
    void fullTrainsOnlyTheConfiguredSubset(@TempDir Path dir) throws IOException {
        RunConfig cfg = config(dir, "subset", "full");
        TransformerModel init = TransformerModel.create(cfg.model().resolve(), org.nd4j.linalg.api.buffer.DataType.FLOAT,
                cfg.seed());
        TrainingRun.Result r = new TrainingRun(cfg).execute();
        Map<String, INDArray> after = r.model().parameters();
        init.parameters().forEach((name, before) -> {
            boolean changed = !before.equals(after.get(name));
            assertEquals(name.startsWith("model.layers.1."), changed, name);
        });
    }

    @Test
    void loraLeavesBaseWeightsUntouchedAndCheckpointsOnlyAdapters(@TempDir Path dir) throws IOException {
        RunConfig cfg = config(dir, "lora", "lora");
        TransformerModel init = TransformerModel.create(cfg.model().resolve(), org.nd4j.linalg.api.buffer.DataType.FLOAT,
                cfg.seed());
        TrainingRun.Result r = new TrainingRun(cfg).execute();
        Path cp = new CheckpointManager(r.runDir().resolve("checkpoints"), 9).latest().orElseThrow();
        var tensors = dev.sinter.framework.checkpoint.SafetensorsIO.read(cp.resolve(CheckpointManager.MODEL_FILE));
        assertTrue(tensors.keySet().stream().allMatch(n -> n.contains(".lora_")), tensors.keySet().toString());
        assertEquals(2 * 3 * 2, tensors.size(), "A and B for q, v, down in 2 layers");
        IOException e = assertThrows(IOException.class, () -> ModelIO.load(r.runDir()));
        assertTrue(e.getMessage().contains("sinter merge"), e.getMessage());
        // merged = base + scale·B·A differs from the base exactly in the targeted matrices
        Map<String, INDArray> merged = r.model().parameters();
        init.parameters().forEach((name, before) -> {
            boolean targeted = name.matches(".*(q_proj|v_proj|down_proj)\\.weight");
            assertEquals(targeted, !before.equals(merged.get(name)), name);
        });
    }

    @Test
    void smtChangesOnlyTheSelectedBlocksAndIsDeterministic(@TempDir Path dir) throws IOException {
        TrainingRun.Result a = new TrainingRun(config(dir, "smt-a", "smt", "checkpoint.every=4", "checkpoint.keep_last=5"))
                .execute();
        TrainingRun.Result b = new TrainingRun(config(dir, "smt-b", "smt")).execute();
        String selA = Files.readString(a.runDir().resolve(SmtTrainer.SELECTION_FILE));
        assertEquals(selA, Files.readString(b.runDir().resolve(SmtTrainer.SELECTION_FILE)), "same seed, same blocks");
        assertTrue(Files.exists(a.runDir().resolve("smt_blocks_by_matrix.png")));
        // the step-4 checkpoint holds the weights at the switch: outside the blocks nothing may move afterwards
        Map<String, INDArray> atSwitch = ModelIO.load(a.runDir().resolve("checkpoints/step-0000004")).parameters();
        Map<String, INDArray> end = a.model().parameters();
        List<Map<String, Object>> blocks = Json.mapper().readValue(selA,
                new com.fasterxml.jackson.core.type.TypeReference<>() { });
        assertEquals(6, blocks.size());
        assertEquals(2, blocks.stream().filter(blk -> blk.get("target").equals("gate")).count(),
                "the example's separate MLP budget: mlp_num_blocks 2 of the 6");
        atSwitch.forEach((name, w0) -> {
            INDArray diff = end.get(name).sub(w0).neq(0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            INDArray allowed = w0.ulike().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).assign(0);
            for (Map<String, Object> blk : blocks) {
                if (blk.get("matrix").equals(name)) {
                    int r = (Integer) blk.get("rowBlock");
                    int c = (Integer) blk.get("colBlock");
                    allowed.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(r * 8, r * 8 + 8),
                            org.nd4j.linalg.indexing.NDArrayIndex.interval(c * 8, c * 8 + 8)).assign(1);
                }
            }
            assertEquals(0.0, diff.mul(allowed.rsub(1)).sumNumber().doubleValue(), name + ": element outside blocks moved");
            if (allowed.sumNumber().doubleValue() > 0) {
                assertTrue(diff.sumNumber().doubleValue() > 0, name + ": selected blocks should train");
            }
        });
    }

    @Test
    void badTrainerConfigsFailWithOneClearError(@TempDir Path dir) {
        ConfigException block = assertThrows(ConfigException.class, () -> TrainingRunTest.config(dir, "x",
                "trainer={type: smt, block_size: 24, num_blocks: 2}"));
        assertTrue(block.getMessage().contains("block_size 24 does not divide"), block.getMessage());
        ConfigException target = assertThrows(ConfigException.class, () -> TrainingRunTest.config(dir, "x",
                "trainer={type: lora, targets: [q, value]}"));
        assertTrue(target.getMessage().contains("'value'") && target.getMessage().contains("trainer"), target.getMessage());
        for (String budget : new String[]{"0", "-0.1", "1.5"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> TrainingRunTest.config(dir, "x",
                    "trainer={type: smt, block_size: 8, budget: " + budget + "}"));
            assertTrue(e.getMessage().contains("budget"), e.getMessage());
        }
    }
}
