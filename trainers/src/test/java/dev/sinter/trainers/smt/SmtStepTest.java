package dev.sinter.trainers.smt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SMT's sparse-phase step against the masked-update definition of SMT: the full model's dense gradient, restricted to
 * the selected blocks, drives AdamW (with decoupled weight decay) on the selected entries only, and every other weight
 * stays as it was. Two steps in float64 on the tiny model, with the blocks in the block form and in the dense form.
 */
class SmtStepTest {
    private static final int L = 8;
    private static final double LR = 1e-2;
    private static final double WD = 0.1;
    private static final double B1 = 0.9;
    private static final double B2 = 0.95;
    private static final double EPS = 1e-8;

    @ParameterizedTest(name = "{0} blocks, {1}")
    @CsvSource({"1,per_matrix", "40,global"})
    void sparseStepsEqualMaskedAdamWOnTheDenseGradient(int numBlocks, String selection) {
        SmtTrainerConfig cfg = SmtTrainerConfig.of(1, L, "abs_mean", numBlocks, null, selection,
                List.of("q", "k", "v", "down"), "shared", null, null, "continue", null, null);
        TransformerModel dense = TransformerModel.create(ModelPreset.registry().get("tiny").config(), DataType.DOUBLE, 3);
        Map<String, INDArray> initial = dense.parameterSnapshot();
        SmtTrainer smt = new SmtTrainer(cfg, null);
        smt.linearLayer(dense.projections());
        Map<String, INDArray> fakeGrads = new LinkedHashMap<>();
        dense.parameters().forEach((n, w) -> fakeGrads.put(n, Nd4j.rand(DataType.DOUBLE, w.shape()).subi(0.5)));
        smt.transformGradients(1, fakeGrads);
        TransformerModel sparse = (TransformerModel) smt.phases().get(1).enter().apply(dense);

        int steps = 2;
        int batch = 2;
        int seq = 6;
        int[] tokens = new SplittableRandom(5).ints(400, 0, 260).toArray();
        TrainingConfig tc = TrainingConfig.of(steps, batch, batch, LR, LR, 0, WD, B1, B2, EPS, 0.0, 1000, 1, 1000);
        TrainingLoop loop = new TrainingLoop(smt.trainable(sparse), tc, smt, new BatchSampler(tokens, seq, 7),
                new int[0][]);
        List<Double> lrs = new ArrayList<>();
        loop.addListener(new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                lrs.add(m.lr());
            }
        });
        loop.run();
        Map<String, INDArray> trained = smt.finalModel(sparse).parameters();

        Map<String, INDArray> expected = maskedAdamW(dense, smt.selection(), new BatchSampler(tokens, seq, 7), batch,
                lrs);
        assertEquals(initial.keySet(), trained.keySet());
        double moved = 0;
        for (String name : initial.keySet()) {
            assertEquals(0, expected.get(name).sub(trained.get(name)).amaxNumber().doubleValue(), 1e-12, name);
            moved = Math.max(moved, trained.get(name).sub(initial.get(name)).amaxNumber().doubleValue());
        }
        assertTrue(moved > 1e-3, "the steps moved the blocks (" + moved + ")");
    }

    /**
     * The reference: on the dense model, each step's full gradient of the target matrices; AdamW (decoupled decay,
     * bias correction) on the selected blocks' entries, element by element in double precision.
     */
    private static Map<String, INDArray> maskedAdamW(TransformerModel model, List<Block> selection,
                                                     BatchSampler sampler, int batch, List<Double> lrs) {
        List<String> matrices = selection.stream().map(Block::matrix).distinct().toList();
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        matrices.forEach(n -> {
            m.put(n, Nd4j.zeros(DataType.DOUBLE, model.parameters().get(n).shape()));
            v.put(n, Nd4j.zeros(DataType.DOUBLE, model.parameters().get(n).shape()));
        });
        for (int t = 1; t <= lrs.size(); t++) {
            int[][] windows = sampler.next(batch);
            Map<String, INDArray> grads = new LinkedHashMap<>();
            PooledExecution.gradients(model.graph(), model.trainingPlaceholders(windows),
                    List.of(TransformerModel.LOSS), matrices).getGradients()
                    .forEach((n, g) -> grads.put(n, g.dup()));
            double lr = lrs.get(t - 1);
            for (Block b : selection) {
                INDArray w = model.parameters().get(b.matrix());
                INDArray g = grads.get(b.matrix());
                for (int i = b.rowBlock() * L; i < (b.rowBlock() + 1) * L; i++) {
                    for (int j = b.colBlock() * L; j < (b.colBlock() + 1) * L; j++) {
                        double gij = g.getDouble(i, j);
                        double mij = B1 * m.get(b.matrix()).getDouble(i, j) + (1 - B1) * gij;
                        double vij = B2 * v.get(b.matrix()).getDouble(i, j) + (1 - B2) * gij * gij;
                        m.get(b.matrix()).putScalar(i, j, mij);
                        v.get(b.matrix()).putScalar(i, j, vij);
                        double mHat = mij / (1 - Math.pow(B1, t));
                        double vHat = vij / (1 - Math.pow(B2, t));
                        w.putScalar(i, j, w.getDouble(i, j) * (1 - lr * WD) - lr * mHat / (Math.sqrt(vHat) + EPS));
                    }
                }
            }
        }
        return model.parameterSnapshot();
    }
}
