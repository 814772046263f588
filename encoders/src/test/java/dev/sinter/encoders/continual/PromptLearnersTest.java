package dev.sinter.encoders.continual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.prompt.PrefixPrompts;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.trainers.lw2g.FeatureSubspace;
import dev.sinter.trainers.lw2g.GrowthDecision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The prompt learners (sequential, always-grow, LW2G) on a tiny random BERT and synthetic tasks. */
class PromptLearnersTest {
    private static final int[][] TASKS = {{0, 1}, {2, 3}, {4, 5}};

    private static ContinualLearner.LearnReport learn(ContinualLearner l, int task) throws Exception {
        int[] classes = TASKS[task];
        return l.learn(task, TinyTasks.classNames(2 * task + 2), List.of(classes[0], classes[1]),
                TinyTasks.items(classes, 16, 100 + task), List.of());
    }

    private static List<Item> test(int task) {
        return TinyTasks.items(TASKS[task], 8, 200 + task);
    }

    @Test
    void badSettingsGiveOneClearError() {
        assertEquals("lw2g.threshold must be in (0, 1], got 1.5", assertThrows(IllegalArgumentException.class,
                () -> Lw2gConfig.of(1.5, null, null, null, null, null, null, null)).getMessage());
        assertEquals("lw2g.threshold_pretrained must be in (0, 1], got 0.0", assertThrows(
                IllegalArgumentException.class, () -> Lw2gConfig.of(null, 0.0, null, null, null, null, null, null))
                .getMessage());
        assertEquals("lw2g.cpk_lambda must be in (0, 1], got -0.1", assertThrows(IllegalArgumentException.class,
                () -> Lw2gConfig.of(null, null, -0.1, null, null, null, null, null)).getMessage());
        assertEquals("lw2g.samples_per_class must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> Lw2gConfig.of(null, null, null, 0, null, null, null, null)).getMessage());
        assertEquals("lw2g.pretrained_tasks must be 'all' or 'first', got 'some'", assertThrows(
                IllegalArgumentException.class, () -> Lw2gConfig.of(null, null, null, null, null, null, "some", null))
                .getMessage());
        assertEquals("prompt.length must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> PromptConfig.of(0, null)).getMessage());
        assertEquals("prompt.layers [1, 6] names layer 6 but the model has 6 layers (0..5)", assertThrows(
                IllegalArgumentException.class, () -> PromptConfig.of(null, List.of(1, 6)).layersFor(6)).getMessage());
        Lw2gConfig d = Lw2gConfig.defaults();
        assertEquals(List.of(0.95, 0.95, 0.1), List.of(d.threshold(), d.thresholdPretrained(), d.cpkLambda()));
        assertEquals(10, d.samplesPerClass());
        assertFalse(d.fftInit());
        assertEquals("all", d.pretrainedTasks());
        assertTrue(d.center());
    }

    @Test
    void centringKeepsASubspaceThatTheMeanDirectionWouldEmpty() {
        INDArray rows = Nd4j.createFromArray(new double[][]{{1, 2}, {3, 4}});
        assertEquals(Nd4j.createFromArray(new double[][]{{-1, 1}, {-1, 1}}), Lw2gConfig.defaults().representation(rows));
        // 200 features = 10·e0 plus noise of scale 1 along e1 and 0.8 along e2: uncentred, e0 holds > 95% of the σ⁴
        // energy and the authors' strict rule (keep while the cumulative share stays below 0.95) keeps no direction;
        // centred, e1 (about 71% of the energy) is kept
        SplittableRandom rng = new SplittableRandom(4);
        double[][] x = new double[200][3];
        for (double[] r : x) {
            r[0] = 10;
            r[1] = rng.nextGaussian();
            r[2] = 0.8 * rng.nextGaussian();
        }
        INDArray features = Nd4j.createFromArray(x);
        Lw2gConfig raw = Lw2gConfig.of(null, null, null, null, null, null, null, false);
        assertEquals(0, FeatureSubspace.fromFeatures(raw.representation(features), 0.95).rank());
        FeatureSubspace centred = FeatureSubspace.fromFeatures(Lw2gConfig.defaults().representation(features), 0.95);
        assertEquals(1, centred.rank(), "e1 alone stays below 0.95, e1 and e2 together reach it");
        assertEquals(1.0, Math.abs(centred.basis().getDouble(1, 0)), 0.05);
    }

    @Test
    void defaultPromptLayersScaleDualPromptsELayersToTheDepth() {
        assertEquals(List.of(2, 3, 4), List.copyOf(PromptConfig.defaults().layersFor(12)));
        assertEquals(List.of(1, 2), List.copyOf(PromptConfig.defaults().layersFor(6)));
        assertEquals(List.of(0, 1), List.copyOf(PromptConfig.defaults().layersFor(2)));
        assertEquals(5, PromptConfig.defaults().length());
    }

    @Test
    void hfcReusesTheSetWhoseSubspaceTheGradientAvoidsAndGrowsWhenItLiesInEverySetsSubspace() {
        int dim = 6;
        Map<Integer, FeatureSubspace> pre = Map.of(0, FeatureSubspace.ofBasis(axes(dim, 0, 1, 2, 3)));
        List<Map<Integer, FeatureSubspace>> sets = List.of(Map.of(0, FeatureSubspace.ofBasis(axes(dim, 0, 1))),
                Map.of(0, FeatureSubspace.ofBasis(axes(dim, 2, 3))));
        // the gradient of both passes lies along e2: inside S_pre (ε = 0°), inside S_1 (θ_1 = 0°), orthogonal to S_0
        Map<Integer, List<Map<Integer, INDArray>>> avoids0 = Map.of(0, List.of(Map.of(0, row(dim, 2))),
                1, List.of(Map.of(0, row(dim, 2))));
        GrowthDecision reuse = Lw2gLearner.hfc(avoids0, sets, pre);
        assertEquals(90.0, reuse.angles().get(0), 1e-9);
        assertEquals(0.0, reuse.angles().get(1), 1e-6);
        assertTrue(reuse.reuse());
        assertEquals(0, reuse.set());
        // each set's pass has its gradient inside that set's old subspace: reuse would project it all away
        Map<Integer, List<Map<Integer, INDArray>>> inside = Map.of(0, List.of(Map.of(0, row(dim, 1))),
                1, List.of(Map.of(0, row(dim, 3))));
        GrowthDecision grow = Lw2gLearner.hfc(inside, sets, pre);
        assertFalse(grow.reuse());
        assertEquals(-1, grow.set());
        // ε is the last set's S_pre angle (the authors' loop overwrites it), not the mean over the passes (45°)
        Map<Integer, List<Map<Integer, INDArray>>> differ = Map.of(0, List.of(Map.of(0, row(dim, 4))),
                1, List.of(Map.of(0, row(dim, 0))));
        assertEquals(0.0, Lw2gLearner.hfc(differ, sets, pre).epsilon(), 1e-6);
    }

    @Test
    void projectionKeepsReusedSetGradientsOrthogonalToItsSubspace() throws Exception {
        Lw2gLearner l = new Lw2gLearner(TinyTasks.encoder(), PromptConfig.defaults(), TinyTasks.training(4),
                Lw2gConfig.defaults(), 1);
        learn(l, 0);
        SplittableRandom rng = new SplittableRandom(3);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String name : l.model().prompts().parameterNames()) {
            grads.put(name, Nd4j.rand(DataType.FLOAT, 1, 5, 32).subi(0.5));
        }
        Map<String, INDArray> before = new LinkedHashMap<>();
        grads.forEach((k, v) -> before.put(k, v.dup()));
        l.projectGradients(0, true, grads);
        for (int layer : l.layers()) {
            INDArray basis = l.subspace(0, layer).basis().castTo(DataType.FLOAT); // [D, r]
            assertTrue(basis.columns() > 0 && basis.columns() < 32, "a proper subspace, rank " + basis.columns());
            String name = PrefixPrompts.keyName(layer);
            INDArray was = before.get(name).slice(0).mmul(basis); // [P, r]
            INDArray now = grads.get(name).slice(0).mmul(basis);
            assertTrue(was.amaxNumber().doubleValue() > 0.05, name + " had a component in S_0");
            assertEquals(0.0, now.amaxNumber().doubleValue(), 1e-5, name + " keeps none of it");
            String value = PrefixPrompts.valueName(layer);
            assertEquals(before.get(value), grads.get(value), "value prefixes are not projected (grad_proj)");
        }
        // growing (no reuse): only the soft CPK term, g − 0.1·g·P_pre
        Map<String, INDArray> soft = new LinkedHashMap<>();
        before.forEach((k, v) -> soft.put(k, v.dup()));
        l.projectGradients(0, false, soft);
        String key = PrefixPrompts.keyName(l.layers().first());
        INDArray g = before.get(key).slice(0).castTo(DataType.DOUBLE);
        INDArray expected = g.sub(l.pretrainedSubspace(l.layers().first()).project(g).mul(0.1));
        assertEquals(0.0, soft.get(key).slice(0).castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue(),
                1e-6);
    }

    @Test
    void pretrainedSubspaceSamplesEveryTasksClassesFromTheLayerOutputs() throws Exception {
        Lw2gConfig cfg = Lw2gConfig.of(null, null, null, 3, null, null, null, null);
        Lw2gLearner all = new Lw2gLearner(TinyTasks.encoder(), PromptConfig.defaults(), TinyTasks.training(2), cfg, 1);
        List<List<Item>> train = new ArrayList<>();
        for (int t = 0; t < TASKS.length; t++) {
            train.add(TinyTasks.items(TASKS[t], 16, 100 + t));
        }
        all.preview(train);
        learn(all, 0);
        List<Item> sample = new ArrayList<>();
        int[] taken = new int[6];
        for (List<Item> task : train) {
            for (Item item : task) {
                if (taken[item.label()]++ < 3) {
                    sample.add(item);
                }
            }
        }
        assertEquals(18, sample.size(), "3 examples of each of the 6 classes");
        var encoded = all.encode(sample);
        for (int layer : all.layers()) {
            INDArray x = all.model().tokenRows(encoded, PromptLearner.filled(encoded.batchSize(), -1),
                    dev.sinter.encoders.BertNames.layerOutput(layer)); // [n_tokens, D]
            FeatureSubspace expected = FeatureSubspace.fromFeatures(cfg.representation(x), 0.95);
            assertEquals(expected.basis(), all.pretrainedSubspace(layer).basis(), "S_pre of layer " + layer);
        }
        Lw2gLearner first = new Lw2gLearner(TinyTasks.encoder(), PromptConfig.defaults(), TinyTasks.training(2),
                Lw2gConfig.of(null, null, null, 3, null, null, "first", null), 1);
        first.preview(train);
        learn(first, 0);
        int layer = first.layers().first();
        assertFalse(first.pretrainedSubspace(layer).basis().equals(all.pretrainedSubspace(layer).basis()),
                "the first task's classes alone give another S_pre");
    }

    @Test
    void alwaysGrowAddsASetPerTaskRetrievesItAndKeepsOldClassesRows() throws Exception {
        PromptLearner l = PromptLearner.alwaysGrow(TinyTasks.encoder(), PromptConfig.defaults(),
                TinyTasks.training(20), 1);
        assertTrue(learn(l, 0).grew());
        INDArray oldRows = l.model().variable(PromptedClassifier.HEAD_WEIGHT).dup(); // [2, D]
        INDArray set0 = l.model().variable(PrefixPrompts.keyName(1)).slice(0).dup();
        for (int t = 1; t < TASKS.length; t++) {
            ContinualLearner.LearnReport r = learn(l, t);
            assertTrue(r.grew());
            assertEquals(t, r.promptSet());
        }
        assertEquals(3, l.promptSets());
        INDArray head = l.model().variable(PromptedClassifier.HEAD_WEIGHT);
        assertEquals(oldRows, head.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()),
                "task 0's head rows get no gradient from later tasks (train mask)");
        assertEquals(set0, l.model().variable(PrefixPrompts.keyName(1)).slice(0), "set 0 is untouched later");
        int correct = 0;
        int total = 0;
        for (int t = 0; t < TASKS.length; t++) {
            ContinualLearner.Predictions p = l.predict(test(t));
            double pra = l.promptRetrievalAccuracy(t, p);
            assertTrue(pra >= 0.75, "task " + t + " retrieves its own set for " + pra + " of its inputs");
            for (int i = 0; i < p.labels().length; i++) {
                correct += p.labels()[i] == test(t).get(i).label() ? 1 : 0;
                total++;
            }
        }
        assertTrue(correct > 0.6 * total, "class-incremental accuracy " + correct + "/" + total + " (chance 1/6)");
    }

    @Test
    void sequentialSharesOneSet() throws Exception {
        PromptLearner l = PromptLearner.sequential(TinyTasks.encoder(), PromptConfig.defaults(),
                TinyTasks.training(4), 1);
        assertTrue(learn(l, 0).grew());
        ContinualLearner.LearnReport second = learn(l, 1);
        assertFalse(second.grew());
        assertEquals(0, second.promptSet());
        assertEquals(1, l.promptSets());
        assertArrayEquals(new int[16], l.predict(test(0)).promptSets());
        assertEquals("sequential-prompt", l.name());
        IllegalArgumentException outOfOrder = assertThrows(IllegalArgumentException.class, () -> learn(l, 0));
        assertEquals("task 0 after 2 learned tasks: tasks are learned in order from 0", outOfOrder.getMessage());
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> l.learn(2,
                TinyTasks.classNames(6), List.of(4, 5), TinyTasks.items(new int[]{1}, 2, 0), List.of()));
        assertEquals("task 2 has an item of class 1, which is not among its classes [4, 5]", foreign.getMessage());
    }

    @Test
    void restoredLw2gLearnerContinuesExactly(@TempDir Path dir) throws Exception {
        Lw2gConfig cfg = Lw2gConfig.of(null, null, null, null, null, true, null, null);
        Lw2gLearner straight = new Lw2gLearner(TinyTasks.encoder(), PromptConfig.defaults(), TinyTasks.training(6),
                cfg, 4);
        Lw2gLearner first = new Lw2gLearner(TinyTasks.encoder(), PromptConfig.defaults(), TinyTasks.training(6),
                cfg, 4);
        List<ContinualLearner.LearnReport> reports = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            reports.add(learn(straight, t));
        }
        learn(first, 0);
        learn(first, 1);
        first.save(dir.resolve("after-1"));
        Lw2gLearner resumed = new Lw2gLearner(TinyTasks.encoder(), PromptConfig.defaults(), TinyTasks.training(6),
                cfg, 4);
        resumed.restore(dir.resolve("after-1"));
        assertEquals(first.promptSets(), resumed.promptSets());
        assertEquals(reports.get(2), learn(resumed, 2), "the same HFC angles, decision and set");
        for (int t = 0; t < 3; t++) {
            ContinualLearner.Predictions a = straight.predict(test(t));
            ContinualLearner.Predictions b = resumed.predict(test(t));
            assertArrayEquals(a.labels(), b.labels());
            assertArrayEquals(a.promptSets(), b.promptSets());
        }
        assertEquals(PromptState.copies(straight.model()), PromptState.copies(resumed.model()), "bit-identical prompts and head");
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> PromptLearner
                .sequential(TinyTasks.encoder(), PromptConfig.defaults(), TinyTasks.training(4), 1)
                .restore(dir.resolve("after-1")));
        assertTrue(wrong.getMessage().endsWith("holds a 'lw2g' learner, not 'sequential-prompt'"), wrong.getMessage());
    }

    @Test
    void maskedHeadLossHasFiniteDifferenceGradients() {
        var cfg = TinyTasks.CONFIG;
        PrefixPrompts prompts = new PrefixPrompts(2, 3, cfg.nHeads(), cfg.headDim(), PromptConfig.defaults()
                .layersFor(cfg.nLayers()), DataType.DOUBLE);
        BertEncoder backbone = BertEncoder.create(cfg, 0, DataType.DOUBLE, 2, LinearLayer.DENSE);
        PromptedClassifier m = new PromptedClassifier(cfg, DataType.DOUBLE, prompts, 4, backbone.parameters());
        SplittableRandom rng = new SplittableRandom(5);
        for (String name : m.parameterNames()) {
            INDArray p = m.variable(name);
            for (long i = 0; i < p.length(); i++) {
                p.putScalar(i, rng.nextDouble(-0.5, 0.5));
            }
        }
        List<Item> items = TinyTasks.items(new int[]{1, 2}, 2, 7);
        Map<String, INDArray> ph = m.placeholders(TinyTasks.encode(items), new int[]{1, 2, 1, 2},
                new int[]{0, 1, -1, 1}, new boolean[]{false, true, true, false});
        GradientCheck.check(m.graph(), ph, PromptedClassifier.LOSS, m.parameterNames(), 24, 1e-5);
        double loss = m.graph().output(ph, PromptedClassifier.LOSS).get(PromptedClassifier.LOSS).getDouble(0);
        assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
    }

    private static INDArray axes(int dim, int... axes) {
        INDArray b = Nd4j.zeros(DataType.DOUBLE, dim, axes.length);
        for (int c = 0; c < axes.length; c++) {
            b.putScalar(axes[c], c, 1.0);
        }
        return b;
    }

    private static INDArray row(int dim, int axis) {
        INDArray r = Nd4j.zeros(DataType.DOUBLE, 1, dim);
        r.putScalar(0, axis, 2.0);
        return r;
    }
}
