package dev.sinter.trainers.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelPreset;
import dev.sinter.trainers.smt.SmtTrainerConfig;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.transformer.TransformerModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** SMT's selection rule, its block-sparse graph and its write-back. */
class SmtBlocksTest {

    @Test
    void selectionPicksTheBlocksWithTheLargestScores() {
        SmtTrainerConfig cfg = SmtTrainerConfig.of(1, 2, "abs_mean", 3, null, "global", List.of("q", "v"));
        // two 4×4 matrices = 4 blocks of 2×2 each; plant block scores by hand
        INDArray q = Nd4j.zeros(DataType.DOUBLE, 4, 4);
        q.putScalar(new long[]{0, 0}, 4.0); // block (0,0): abs_mean 1.0
        q.putScalar(new long[]{3, 2}, -8.0); // block (1,1): abs_mean 2.0 (signed: abs counts)
        INDArray v = Nd4j.zeros(DataType.DOUBLE, 4, 4);
        v.putScalar(new long[]{2, 1}, 6.0); // block (1,0): 1.5
        v.putScalar(new long[]{0, 3}, 0.4); // block (0,1): 0.1
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("model.layers.0.self_attn.q_proj.weight", q);
        g.put("model.layers.0.self_attn.v_proj.weight", v);
        List<Block> sel = new BlockSelector(cfg).select(g,
                Map.of("model.layers.0.self_attn.q_proj.weight", "q", "model.layers.0.self_attn.v_proj.weight", "v"),
                Map.of("model.layers.0.self_attn.q_proj.weight", 0, "model.layers.0.self_attn.v_proj.weight", 0), 3);
        assertEquals(List.of("q:1,1:2.0", "v:1,0:1.5", "q:0,0:1.0"), sel.stream()
                .map(b -> b.target() + ":" + b.rowBlock() + "," + b.colBlock() + ":" + b.score()).toList());

        SmtTrainerConfig meanAbs = SmtTrainerConfig.of(1, 2, "mean_abs", 1, null, "per_matrix", List.of("q", "v"));
        q.putScalar(new long[]{0, 1}, -4.0); // block (0,0) now sums to 0 → mean_abs 0
        List<Block> perMatrix = new BlockSelector(meanAbs).select(g,
                Map.of("model.layers.0.self_attn.q_proj.weight", "q", "model.layers.0.self_attn.v_proj.weight", "v"),
                Map.of("model.layers.0.self_attn.q_proj.weight", 0, "model.layers.0.self_attn.v_proj.weight", 0), 1);
        assertEquals(2, perMatrix.size(), "one block per matrix");
        assertEquals(1, perMatrix.get(0).rowBlock());
    }

    /**
     * One block per tiny matrix ({@code per_matrix}) always takes the block form; 40 blocks chosen globally always put
     * enough blocks into some matrix for the dense form (at most 10 fit without: one per q/k/v, two per down).
     */
    @ParameterizedTest(name = "{0} blocks, {1}")
    @CsvSource({"1,per_matrix", "40,global"})
    void writtenBackDenseModelGivesTheSparseModelsOutputsAndGradientsAreExact(int numBlocks, String selection) {
        SmtTrainerConfig cfg = SmtTrainerConfig.of(1, 8, "abs_mean", numBlocks, null, selection,
                List.of("q", "k", "v", "down"));
        TransformerModel dense = TransformerModel.create(ModelPreset.registry().get("tiny").config(), DataType.DOUBLE, 6);
        SmtTrainer smt = new SmtTrainer(cfg);
        smt.linearLayer(dense.projections()); // the trainer learns the target projections before the model is built
        Map<String, INDArray> fakeGrads = new LinkedHashMap<>();
        dense.parameters().forEach((n, w) -> fakeGrads.put(n, Nd4j.rand(DataType.DOUBLE, w.shape()).subi(0.5)));
        smt.transformGradients(1, fakeGrads);
        int[][] ids = {{3, 1, 4, 1, 5, 9, 2}};
        INDArray before = dense.logits(ids);
        TransformerModel sparse = (TransformerModel) smt.phases().get(1).enter().apply(dense);
        SmtLinearLayer layer = new SmtLinearLayer(smt.selection(), 8);
        long denseForms = smt.selection().stream().collect(Collectors.groupingBy(Block::matrix)).entrySet().stream()
                .filter(e -> {
                    long[] shape = dense.parameters().get(e.getKey()).shape();
                    return !layer.usesBlockForm(e.getValue().size() * 8, (int) shape[1], (int) shape[0]);
                }).count();
        assertEquals(selection.equals("per_matrix"), denseForms == 0, "the case exercises the intended form");
        assertEquals(0, before.sub(sparse.logits(ids)).amaxNumber().doubleValue(), 1e-12,
                "moving blocks out of W0 must not change the function");
        for (String n : smt.trainableParameters(sparse)) {
            INDArray b = sparse.graph().getVariable(n).getArr();
            b.addi(Nd4j.rand(DataType.DOUBLE, b.shape()).subi(0.5));
        }
        INDArray trained = sparse.logits(ids);
        assertTrue(trained.sub(before).amaxNumber().doubleValue() > 1e-4);
        assertEquals(0, trained.sub(((TransformerModel) smt.finalModel(sparse)).logits(ids)).amaxNumber().doubleValue(), 1e-12,
                "write-back must reproduce the training-time outputs");
        GradientCheck.check(sparse.graph(), sparse.trainingPlaceholders(new int[][]{{1, 5, 2, 7, 3, 8}}),
                TransformerModel.LOSS, smt.trainableParameters(sparse), 10, 1e-5);
    }
}
