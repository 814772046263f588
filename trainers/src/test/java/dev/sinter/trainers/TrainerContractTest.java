package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.trainers.RunConfig;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.lora.LoraTrainer;
import dev.sinter.trainers.smt.SmtTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The contract every trainer keeps, run end to end on the tiny model and real text. */
class TrainerContractTest {
    static final int[][] PROBE = {{84, 104, 101, 32, 113, 117, 105, 99, 107}};

    static String[] trainer(String type) {
        return switch (type) {
            case "full" -> new String[]{"trainer={type: full, trainable: ['model\\.layers\\.1\\..*']}"};
            case "lora" -> new String[]{"trainer={type: lora, rank: 4, alpha: 8, dropout: 0.1, targets: [q, v, down]}"};
            case "smt" -> new String[]{"trainer={type: smt, warmup_steps: 4, block_size: 8, num_blocks: 6,"
                    + " targets: [q, k, v, gate]}"};
            default -> throw new IllegalArgumentException(type);
        };
    }

    static RunConfig config(Path dir, String name, String type, String... more) {
        String[] base = trainer(type);
        String[] all = new String[base.length + more.length + 3];
        System.arraycopy(base, 0, all, 0, base.length);
        all[base.length] = "training.steps=12";
        all[base.length + 1] = "checkpoint.every=6";
        all[base.length + 2] = "training.eval_every=6";
        System.arraycopy(more, 0, all, base.length + 3, more.length);
        return TrainingRunTest.config(dir, name, all);
    }

    @ParameterizedTest
    @ValueSource(strings = {"full", "lora", "smt"})
    void resumedRunReproducesTheStraightRun(String type, @TempDir Path dir) throws IOException {
        new TrainingRun(config(dir, "straight", type)).execute();
        RunConfig cfg = config(dir, "resumed", type);
        TrainingRun crashing = new TrainingRun(cfg).addListener(TrainingRunTestAccess.crashAt(8));
        assertThrows(IllegalStateException.class, crashing::execute);
        TrainingRun.Result resumed = new TrainingRun(cfg).execute();
        assertEquals(TrainingRunTest.trainLosses(dir.resolve("straight")), TrainingRunTest.trainLosses(dir.resolve("resumed")));
        // save → load → identical outputs (LoRA through its merge)
        TransformerModel loaded = type.equals("lora") ? LoraTrainer.mergeCheckpoint(dir.resolve("resumed"), null)
                : ModelIO.load(dir.resolve("resumed"));
        assertEquals(resumed.decoder().logits(PROBE), loaded.logits(PROBE));
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
        List<Map<String, Object>> blocks = new com.fasterxml.jackson.databind.ObjectMapper().readValue(selA,
                new com.fasterxml.jackson.core.type.TypeReference<>() { });
        assertEquals(6, blocks.size());
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
