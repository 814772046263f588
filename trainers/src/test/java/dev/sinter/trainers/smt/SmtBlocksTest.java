package dev.sinter.trainers.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.family.Projection;
import dev.sinter.models.transformer.DecoderFamily;
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
    static final String Q = "model.layers.0.self_attn.q_proj.weight";
    static final String V = "model.layers.0.self_attn.v_proj.weight";
    static final String UP = "model.layers.0.mlp.up_proj.weight";
    static final Map<String, Projection> QV = Map.of(Q, new Projection("q", 0, Q, 4, 4),
            V, new Projection("v", 0, V, 4, 4));

    /**
     * Two 2×2 blocks of one matrix: block (0,0) alternates ±4 (mean |G| = 4, mean G = 0), block (0,1) is a steady 1
     * (both scores 1). abs_mean (the paper's text) ranks (0,0) first; mean_abs (the official code) ranks (0,1) first,
     * and the default follows the official code.
     */
    @Test
    void defaultScoreIsTheOfficialMeanAbsWhichRanksBlocksOtherwiseThanAbsMean() {
        INDArray q = Nd4j.createFromArray(new double[][]{{4, -4, 1, 1}, {-4, 4, 1, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}});
        Map<String, INDArray> g = Map.of(Q, q);
        SmtTrainerConfig byDefault = SmtTrainerConfig.of(1, 2, null, 1, null, null, List.of("q"), null, null, null,
                null, null, null);
        assertEquals("mean_abs", byDefault.score());
        Block official = new BlockSelector(byDefault).select(g, QV, 1000).get(0);
        assertEquals(List.of(0, 1, 1.0), List.of(official.rowBlock(), official.colBlock(), official.score()));
        Block absMean = new BlockSelector(SmtTrainerConfig.of(1, 2, "abs_mean", 1, null, "global", List.of("q")))
                .select(g, QV, 1000).get(0);
        assertEquals(List.of(0, 0, 4.0), List.of(absMean.rowBlock(), absMean.colBlock(), absMean.score()));
    }

    /**
     * MLP gradients ten times the attention ones: one shared budget (today's former default) spends every block on the
     * MLP; separate budgets (the official code, now the default) give each group its own, and the MLP group may have
     * its own size.
     */
    @Test
    void separateBudgetsRankAttentionAndMlpApart() {
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put(Q, Nd4j.ones(DataType.DOUBLE, 4, 4));
        g.put(UP, Nd4j.ones(DataType.DOUBLE, 4, 4).muli(10));
        Map<String, Projection> p = Map.of(Q, new Projection("q", 0, Q, 4, 4), UP, new Projection("up", 0, UP, 4, 4));
        List<String> targets = List.of("q", "up");
        SmtTrainerConfig separate = SmtTrainerConfig.of(1, 2, null, 2, null, null, targets);
        assertEquals(SmtTrainerConfig.SEPARATE, separate.budgets());
        assertEquals(List.of("q", "q", "up", "up"), roles(new BlockSelector(separate).select(g, p, 1000)));
        SmtTrainerConfig shared = SmtTrainerConfig.of(1, 2, null, 2, null, null, targets, "shared", null, null, null,
                null, null);
        assertEquals(List.of("up", "up"), roles(new BlockSelector(shared).select(g, p, 1000)));
        SmtTrainerConfig ownMlp = SmtTrainerConfig.of(1, 2, null, 2, null, null, targets, null, 3, null, null, null,
                null);
        assertEquals(List.of("q", "q", "up", "up", "up"), roles(new BlockSelector(ownMlp).select(g, p, 1000)));
        UsageException tooMany = assertThrows(UsageException.class, () -> new BlockSelector(SmtTrainerConfig.of(1, 2,
                null, 5, null, null, targets)).select(g, p, 1000));
        assertTrue(tooMany.getMessage().contains("for the attention group"), tooMany.getMessage());
    }

    @Test
    void budgetAndScheduleKeysAreCheckedWithOneLineErrors() {
        assertMessage("mlp_num_blocks/mlp_budget need budgets: separate", () -> SmtTrainerConfig.of(1, 2, null, 2, null,
                null, List.of("q"), "shared", 3, null, null, null, null));
        assertMessage("exclusive", () -> SmtTrainerConfig.of(1, 2, null, 2, null, null, List.of("q"), null, 3, 0.1,
                null, null, null));
        assertMessage("smt_lr/smt_warmup_steps need schedule: restart", () -> SmtTrainerConfig.of(1, 2, null, 2, null,
                null, List.of("q"), null, null, null, "continue", 1e-4, null));
        assertMessage("budgets", () -> SmtTrainerConfig.of(1, 2, null, 2, null, null, List.of("q"), "split", null,
                null, null, null, null));
        assertMessage("schedule", () -> SmtTrainerConfig.of(1, 2, null, 2, null, null, List.of("q"), null, null, null,
                "restarted", null, null));
        assertMessage("smt_lr", () -> SmtTrainerConfig.of(1, 2, null, 2, null, null, List.of("q"), null, null, null,
                null, -1.0, null));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part) && !x.getMessage().contains("\n"), x.getMessage());
    }

    private static List<String> roles(List<Block> blocks) {
        return blocks.stream().map(Block::target).toList();
    }

    /**
     * Under grouped-query attention (tiny: 4 heads, 2 KV heads) q has 16 blocks of 8×8 per layer and k, v 8 each: 4 q
     * blocks and 3 v blocks are 12.5% of q's against 18.75% of v's, so V dominates per available block although Q has
     * more blocks.
     */
    @Test
    void selectionSummaryDividesByTheBlocksAvailableOfEachMatrixType() {
        ModelConfig gqa = ModelPreset.registry().get("tiny").config();
        assertTrue(gqa.kvDim() < gqa.dim(), "the test needs grouped-query attention");
        List<Projection> targets = Projection.inRoles(DecoderFamily.projections(gqa), List.of("q", "k", "v"));
        List<Block> selection = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            selection.add(new Block(dev.sinter.models.transformer.ParameterNames.attn(0, "q"), "q", 0, i, 0, 1, "attention"));
        }
        for (int i = 0; i < 3; i++) {
            selection.add(new Block(dev.sinter.models.transformer.ParameterNames.attn(1, "v"), "v", 1, i % 2, i / 2, 1, "attention"));
        }
        SelectionSummary s = SelectionSummary.of(selection, targets, 8);
        assertEquals(new SelectionSummary.Share(4, 32, 0.125), s.byMatrix().get("q"));
        assertEquals(new SelectionSummary.Share(0, 16, 0.0), s.byMatrix().get("k"));
        assertEquals(new SelectionSummary.Share(3, 16, 0.1875), s.byMatrix().get("v"));
        assertEquals(new SelectionSummary.Share(7, 64, 7 / 64.0), s.byLocation().get("attention"));
        assertEquals("q 12.5%, k 0.0%, v 18.8%", s.describe());
    }

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
        g.put(Q, q);
        g.put(V, v);
        List<Block> sel = new BlockSelector(cfg).select(g, QV, 1000);
        assertEquals(List.of("q:1,1:2.0", "v:1,0:1.5", "q:0,0:1.0"), sel.stream()
                .map(b -> b.target() + ":" + b.rowBlock() + "," + b.colBlock() + ":" + b.score()).toList());

        SmtTrainerConfig meanAbs = SmtTrainerConfig.of(1, 2, "mean_abs", 1, null, "per_matrix", List.of("q", "v"));
        q.putScalar(new long[]{0, 1}, -4.0); // block (0,0) now sums to 0 → mean_abs 0
        List<Block> perMatrix = new BlockSelector(meanAbs).select(g, QV, 1000);
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
                List.of("q", "k", "v", "down"), "shared", null, null, "continue", null, null);
        TransformerModel dense = TransformerModel.create(ModelPreset.registry().get("tiny").config(), DataType.DOUBLE, 6);
        SmtTrainer smt = new SmtTrainer(cfg, null);
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
