package dev.sinter.models.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.checkpoint.TrainerState;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Equivalences, losses, noise and checkpoints of MoE transformer models. */
class MoeModelTest {
    static final ModelConfig DENSE = ModelConfig.builder().dim(16).nLayers(2).nHeads(4).nKvHeads(2).hiddenDim(24)
            .vocabSize(11).maxSeqLen(16).initStd(0.3).build();
    static final int[][] IDS = {{1, 5, 2, 7, 3}, {4, 4, 8, 1, 6}};
    static final int[][] WINDOWS = {{1, 5, 2, 7, 3, 0}, {4, 4, 8, 1, 6, 2}};

    private static MoeConfig moe(List<Integer> experts, boolean residual, String mix, double capacityFactor) {
        return MoeConfig.builder(experts).layers(List.of(0, 1)).capacityFactor(capacityFactor)
                .evalCapacityFactor(capacityFactor).minCapacity(0).residual(residual).residualMix(mix).build();
    }

    /** Copies the dense model's MLP weights into {@code prefix} (experts.0. or shared.) of every layer. */
    private static Map<String, INDArray> mlpWeightsAs(TransformerModel dense, TransformerModel target, String prefix) {
        Map<String, INDArray> p = new HashMap<>(target.parameterSnapshot());
        dense.parameters().forEach((k, v) -> {
            String mapped = k.replace(".mlp.", ".mlp." + prefix);
            if (p.containsKey(k)) {
                p.put(k, v);
            } else if (p.containsKey(mapped)) {
                p.put(mapped, v);
            }
        });
        return p;
    }

    @Test
    void oneExpertWithRoomForEveryTokenEqualsTheDenseMlp() {
        TransformerModel dense = TransformerModel.create(DENSE, DataType.DOUBLE, 1);
        TransformerModel moe = TransformerModel.create(DENSE.withMoe(moe(List.of(1, 1), false, "learned", 1.0)),
                DataType.DOUBLE, 2);
        moe.loadParameters(mlpWeightsAs(dense, moe, "experts.0."), "dense");
        INDArray a = dense.logits(IDS);
        INDArray b = moe.logits(IDS);
        assertTrue(a.equalsWithEps(b, 1e-12), "max diff " + a.sub(b).amaxNumber());
        assertEquals(dense.loss(WINDOWS), moe.loss(WINDOWS), 1e-12);
    }

    @Test
    void residualMoeWithZeroedExpertsEqualsTheDenseBranch() {
        TransformerModel dense = TransformerModel.create(DENSE, DataType.DOUBLE, 1);
        TransformerModel res = TransformerModel.create(DENSE.withMoe(moe(List.of(2, 3), true, "sum", 1.0)),
                DataType.DOUBLE, 2);
        Map<String, INDArray> p = mlpWeightsAs(dense, res, "shared.");
        p.keySet().stream().filter(k -> k.contains("experts.") && k.endsWith("down_proj.weight"))
                .forEach(k -> p.get(k).assign(0));
        res.loadParameters(p, "dense");
        assertTrue(dense.logits(IDS).equalsWithEps(res.logits(IDS), 1e-12));
    }

    @Test
    void trainingLossAddsTheWeightedAuxLossAndValidationIsCrossEntropy() {
        ModelConfig cfg = DENSE.withMoe(moe(List.of(3, 4), false, "learned", 1.0));
        TransformerModel m = TransformerModel.create(cfg, DataType.DOUBLE, 4);
        List<String> outs = List.of(TransformerModel.LOSS, MoeNames.CE_LOSS, MoeNames.auxLoss(0), MoeNames.auxLoss(1));
        Map<String, INDArray> o = m.graph().output(m.trainingPlaceholders(WINDOWS), outs.toArray(String[]::new));
        double aux = o.get(MoeNames.auxLoss(0)).getDouble(0) + o.get(MoeNames.auxLoss(1)).getDouble(0);
        assertTrue(aux >= 2 - 1e-9, "l_aux ≥ 1 per layer (equality at perfect balance), got " + aux);
        assertEquals(o.get(MoeNames.CE_LOSS).getDouble(0) + 0.01 * aux, o.get(TransformerModel.LOSS).getDouble(0), 1e-12);
        Map<String, INDArray> v = m.graph().output(m.validationPlaceholders(WINDOWS), TransformerModel.LOSS,
                MoeNames.CE_LOSS);
        assertEquals(v.get(MoeNames.CE_LOSS).getDouble(0), v.get(TransformerModel.LOSS).getDouble(0), 0);
        assertEquals(v.get(TransformerModel.LOSS).getDouble(0), m.loss(WINDOWS), 0);
        Map<String, Double> metrics = m.stepMetrics(m.graph().output(m.trainingPlaceholders(WINDOWS),
                m.metricOutputs().toArray(String[]::new)), 1);
        assertEquals(aux, metrics.get("moe_aux_loss"), 1e-12);
        assertEquals(1.0, metrics.get("moe.1.load.0") + metrics.get("moe.1.load.1") + metrics.get("moe.1.load.2")
                + metrics.get("moe.1.load.3"), 1e-12);
    }

    @Test
    void routingNoiseIsAFunctionOfSeedAndBatch() {
        ModelConfig cfg = DENSE.withMoe(MoeConfig.builder(List.of(4, 4)).layers(List.of(0, 1)).topK(2)
                .capacityFactor(0.5).minCapacity(0).jitter(0.1).build());
        TransformerModel m = TransformerModel.create(cfg, DataType.DOUBLE, 4);
        Map<String, INDArray> a = m.trainingPlaceholders(WINDOWS);
        Map<String, INDArray> b = m.trainingPlaceholders(WINDOWS);
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertEquals(v, b.get(k), k));
        assertNotEquals(a.get(MoeNames.gumbel(0)), m.trainingPlaceholders(new int[][]{{1, 5, 2, 7, 3, 1},
                {4, 4, 8, 1, 6, 2}}).get(MoeNames.gumbel(0)));
        double loss1 = m.graph().output(a, TransformerModel.LOSS).get(TransformerModel.LOSS).getDouble(0);
        double loss2 = m.graph().output(b, TransformerModel.LOSS).get(TransformerModel.LOSS).getDouble(0);
        assertEquals(loss1, loss2, 0);
        assertEquals(m.loss(WINDOWS), m.loss(WINDOWS), 0);
    }

    @Test
    void saveThenLoadGivesIdenticalOutputs(@TempDir Path dir) throws IOException {
        for (String name : List.of("tiny-moe", "tiny-prmoe")) {
            ModelConfig cfg = ModelPreset.registry().get(name).config();
            TransformerModel m = TransformerModel.create(cfg, DataType.FLOAT, 9);
            new CheckpointManager(dir.resolve(name + "/checkpoints"), 1).save(
                    new TrainerState(3, 0, 0, 1, Double.NaN, Map.of()), m.parameters(), ModelIO.metadata(cfg),
                    Map.of(), ModelIO.tokenizerFiles("byte", null));
            TransformerModel loaded = ModelIO.load(dir.resolve(name));
            assertEquals(cfg, loaded.config());
            assertEquals(m.logits(IDS), loaded.logits(IDS), name + ": logits must be bit-identical");
            assertEquals(m.parameterNames(), loaded.parameterNames());
            assertTrue(m.parameterNames().contains(MoeNames.expert(1, 3, "down")));
            assertTrue(m.parameterNames().contains(ParameterNames.layer(1) + "mlp.gate.weight"));
        }
    }
}
