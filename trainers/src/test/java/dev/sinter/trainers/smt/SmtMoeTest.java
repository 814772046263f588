package dev.sinter.trainers.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.transformer.TransformerModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** SMT on a PR-MoE: blocks ranked across attention, every expert and the residual MLP. */
class SmtMoeTest {
    static final ModelConfig PRMOE = ModelPreset.registry().get("tiny-prmoe").config(); // experts [4, 8], residual

    @Test
    void blocksLandInsideTheExpertWhoseGradientsDominateAndTrainExactly() {
        SmtTrainerConfig cfg = SmtTrainerConfig.of(1, 8, null, 6, null, null,
                List.of("q", "k", "v", "gate", "up", "down"), "shared", null, null, "continue", null, null);
        TransformerModel dense = TransformerModel.create(PRMOE, DataType.DOUBLE, 6);
        SmtTrainer smt = new SmtTrainer(cfg, null);
        smt.linearLayer(dense.projections());
        Map<String, INDArray> fakeGrads = new LinkedHashMap<>();
        dense.parameters().forEach((n, w) -> {
            INDArray g = Nd4j.rand(DataType.DOUBLE, w.shape()).subi(0.25); // mean 0.25: mean_abs sees a signal
            fakeGrads.put(n, n.contains("layers.1.mlp.experts.5.") ? g.muli(100) : g);
        });
        smt.transformGradients(1, fakeGrads);
        int[][] ids = new int[1][60];
        for (int i = 0; i < 60; i++) {
            ids[0][i] = (i * 37 + 11) % PRMOE.vocabSize();
        }
        INDArray before = dense.logits(ids);
        TransformerModel sparse = (TransformerModel) smt.phases().get(1).enter().apply(dense);

        assertEquals(6, smt.selection().size());
        assertEquals(Set.of("expert 5"), smt.selection().stream().map(Block::location).collect(Collectors.toSet()));
        assertTrue(smt.selection().stream().allMatch(b -> b.layer() == 1 && b.matrix().contains("experts.5.")));
        SelectionSummary.Share expert5 = smt.summary().byLocation().get("expert 5");
        assertEquals(6, expert5.selected());
        assertEquals(3 * 8 * 4, expert5.available(), "gate, up [64, 32] and down [32, 64]: 32 blocks of 8×8 each");
        assertEquals(0, smt.summary().byLocation().get("shared").selected());

        assertEquals(0, before.sub(sparse.logits(ids)).amaxNumber().doubleValue(), 1e-12,
                "moving expert blocks out of W0 must not change the function");
        for (String n : smt.trainableParameters(sparse)) {
            INDArray b = sparse.graph().getVariable(n).getArr();
            b.addi(Nd4j.rand(DataType.DOUBLE, b.shape()).subi(0.5));
        }
        INDArray trained = sparse.logits(ids);
        assertTrue(trained.sub(before).amaxNumber().doubleValue() > 1e-6, "the expert blocks must act");
        assertEquals(0, trained.sub(((TransformerModel) smt.finalModel(sparse)).logits(ids)).amaxNumber()
                .doubleValue(), 1e-12, "write-back must reproduce the training-time outputs");
        List<String> blocks = smt.trainableParameters(sparse).stream().filter(n -> n.endsWith(".smt_blocks")).toList();
        assertTrue(blocks.stream().allMatch(n -> n.contains("experts.5.")), blocks.toString());
        List<GradientCheck.Point> pts = GradientCheck.check(sparse.graph(), sparse.trainingPlaceholders(ids),
                TransformerModel.LOSS, blocks, 6, 1e-5);
        assertTrue(pts.stream().anyMatch(p -> p.analytic() != 0), "tokens reach expert 5");
    }
}
