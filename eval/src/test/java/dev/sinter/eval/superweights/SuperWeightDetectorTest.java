package dev.sinter.eval.superweights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.superweights.SuperWeightDetector.Detection;
import dev.sinter.eval.tasks.PerplexityTask;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The detector on a tiny float64 model with a planted super weight, and on one without. */
class SuperWeightDetectorTest {
    static final ModelConfig TINY = ModelPreset.registry().get("tiny").config(); // D 32, hidden 64, 2 layers
    static final int LAYER = 1;
    static final int ROW = 7; // hidden (super-activation) channel
    static final int COL = 41; // intermediate channel
    static final int MARK = 3; // residual channel that BOS carries strongly
    static final double SW = 1.5;
    static final Tokenizer BYTES = new ByteTokenizer();

    /**
     * BOS's embedding has 10 in channel MARK (so after RMSNorm h[MARK] ≈ √D at BOS only); layer 1's gate and up rows
     * COL read that channel with weight 3, so the down_proj input at (BOS, COL) is ≈ swish(17)·17 ≈ 290; and
     * down_proj.weight[ROW, COL] = 1.5 turns it into an output spike ≈ 430 at (BOS, ROW).
     */
    static TransformerModel planted() {
        TransformerModel m = TransformerModel.create(TINY, DataType.DOUBLE, 7);
        Map<String, INDArray> p = m.parameters();
        p.get(ParameterNames.EMBED).putScalar(new long[]{BYTES.bos(), MARK}, 10.0);
        p.get(ParameterNames.mlp(LAYER, "gate")).putScalar(new long[]{COL, MARK}, 3.0);
        p.get(ParameterNames.mlp(LAYER, "up")).putScalar(new long[]{COL, MARK}, 3.0);
        p.get(ParameterNames.mlp(LAYER, "down")).putScalar(new long[]{ROW, COL}, SW);
        return m;
    }

    static List<int[]> prompts(String... texts) {
        List<int[]> out = new ArrayList<>();
        for (String t : texts) {
            out.add(BYTES.encode(t, true, false));
        }
        return out;
    }

    static final String[] TEXTS = {"Apple Inc. is a worldwide tech company.", "Once upon a time", "Summer is hot."};

    static void assertSameParameters(Map<String, INDArray> before, TransformerModel m) {
        m.parameters().forEach((k, v) -> assertEquals(before.get(k), v, "parameter " + k + " changed"));
    }

    @Test
    void findsThePlantedSuperWeightAndRestoresEveryParameter() {
        TransformerModel m = planted();
        Map<String, INDArray> before = m.parameterSnapshot();
        Detection d = new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT).detect(m, List.of(TEXTS),
                prompts(TEXTS));
        assertEquals(1, d.superWeights().size(), d.verdict());
        SuperWeight sw = d.superWeights().get(0);
        assertEquals(new SuperWeight(LAYER, ROW, COL, SW), sw);
        assertEquals("layers[1].mlp.down_proj.weight[7, 41]", sw.coordinate());
        assertTrue(d.verdict().startsWith("1 super weight(s) found: layers[1].mlp.down_proj.weight[7, 41]"), d.verdict());
        assertEquals(3, d.consistency().get(0).foundIn());
        assertEquals(List.of(ROW, ROW, ROW), d.consistency().get(0).outputChannelPerPrompt());
        assertEquals(List.of(0, 0, 0), d.consistency().get(0).tokenPerPrompt()); // on BOS, as in the paper
        // iteration: after zeroing it the spike is gone and nothing else is reported
        SuperWeightDetector.Finding f = d.prompts().get(0).findings().get(0);
        assertTrue(f.outputMaxAfterZeroing() < 0.02 * Math.abs(f.outputValue()), "output max after zeroing "
                + f.outputMaxAfterZeroing());
        assertTrue(f.share() > 0.99);
        // the stand-in a study ablates when nothing is detected: here the planted weight's official read-out
        assertTrue(SuperWeightDetector.strongestCandidate(d).orElseThrow().sameCoordinates(sw));
        assertSameParameters(before, m);
    }

    @Test
    void pruningChangesTheOutputSharplyAndRestoringTheSuperActivationBringsItBack() {
        TransformerModel m = planted();
        int[][] ids = {BYTES.encode("Apple Inc. is a worldwide tech company.", true, false)};
        INDArray orig = m.logits(ids).dup();
        SuperWeight sw = new SuperWeight(LAYER, ROW, COL, Double.NaN);
        INDArray pruned;
        try (WeightEdit e = new WeightEdit(m).prune(List.of(sw))) {
            pruned = m.logits(ids).dup();
        }
        INDArray restored = SuperActivationRestore.build(m, List.of(sw)).logits(ids);
        assertTrue(relDiff(pruned, orig, 0) > 0.1, "pruning changed the BOS logits by only " + relDiff(pruned, orig, 0));
        // the super activation sits on BOS (position 0): restoring it there gives back the original exactly there
        assertTrue(relDiff(restored, orig, 0) < 1e-9, "restore left " + relDiff(restored, orig, 0));
        // later tokens still miss the weight's small contributions (x[t, col]·w at t > 0), as in the paper's hook
        double dPruned = pruned.sub(orig).norm2Number().doubleValue();
        double dRestored = restored.sub(orig).norm2Number().doubleValue();
        assertTrue(dRestored < 0.9 * dPruned, "restore left " + dRestored + " vs pruned " + dPruned);
        assertEquals(orig, m.logits(ids)); // the model itself is untouched
    }

    private static double relDiff(INDArray a, INDArray b, int pos) {
        INDArray x = a.get(NDArrayIndex.point(0), NDArrayIndex.point(pos), NDArrayIndex.all());
        INDArray y = b.get(NDArrayIndex.point(0), NDArrayIndex.point(pos), NDArrayIndex.all());
        return x.sub(y).norm2Number().doubleValue() / y.norm2Number().doubleValue();
    }

    @Test
    void randomModelYieldsNoSuperWeightWithEvidence() {
        TransformerModel m = TransformerModel.create(TINY, DataType.DOUBLE, 11);
        Detection d = new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT).detect(m, List.of(TEXTS),
                prompts(TEXTS));
        assertFalse(d.found());
        SuperWeight standIn = SuperWeightDetector.strongestCandidate(d).orElseThrow();
        ActivationScan.DownProj strongest = d.prompts().stream().flatMap(p -> p.original().layers().stream())
                .filter(l -> l.layer() < d.options().earlyLayers(TINY.nLayers()))
                .flatMap(l -> l.projections().stream())
                .max(java.util.Comparator.comparingDouble(p -> p.output().abs())).orElseThrow();
        assertEquals(strongest.output().channel(), standIn.row());
        assertEquals(strongest.input().channel(), standIn.col());
        assertTrue(d.verdict().startsWith("no super weight found: with the first prompt the largest |down_proj input|"),
                d.verdict());
        ModelConfig gelu = ModelConfig.builder().dim(32).nLayers(2).nHeads(4).nKvHeads(2).hiddenDim(64).vocabSize(260)
                .maxSeqLen(64).mlp("gelu").build();
        Detection g = new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT)
                .detect(TransformerModel.create(gelu, DataType.DOUBLE, 3), List.of(TEXTS), prompts(TEXTS));
        assertFalse(g.found()); // GELU MLPs: the down projection is analysed under the same name
    }

    @Test
    void editsTouchOnlyTheirScalarsAndAreUndoneExactly(@TempDir Path tmp) throws Exception {
        TransformerModel m = planted();
        Map<String, INDArray> before = m.parameterSnapshot();
        SuperWeight sw = new SuperWeight(LAYER, ROW, COL, Double.NaN);
        try (WeightEdit e = new WeightEdit(m).scale(List.of(sw), 2.0)) {
            assertEquals(2 * SW, m.parameters().get(sw.parameter()).getDouble(ROW, COL));
            assertEquals(1, e.size());
        }
        assertSameParameters(before, m);
        try (WeightEdit e = new WeightEdit(m)) {
            long n = e.pruneLargestOthers(0.01, List.of(sw));
            assertEquals(n, e.size());
            assertEquals(SW, m.parameters().get(sw.parameter()).getDouble(ROW, COL)); // the SW is kept
            long changed = 0;
            for (Map.Entry<String, INDArray> p : m.parameters().entrySet()) {
                changed += p.getValue().neq(before.get(p.getKey())).castTo(DataType.INT).sumNumber().longValue();
            }
            assertEquals(n, changed);
        }
        assertSameParameters(before, m);
        try (WeightEdit e = new WeightEdit(m)) {
            assertEquals(1, e.pruneRandom(List.of(sw), new Random(3)));
            INDArray down = m.parameters().get(sw.parameter());
            assertEquals(SW, down.getDouble(ROW, COL)); // never the super weight itself
            assertEquals(1, down.neq(before.get(sw.parameter())).castTo(DataType.INT).sumNumber().longValue(),
                    "one other weight of the same matrix zeroed");
        }
        assertSameParameters(before, m);
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "The cat sat on the mat. It was a sunny day and the birds sang.");
        Ablations.Table t = new Ablations(m, BYTES, List.of(PerplexityTask.of(text)), 0, 4)
                .run(List.of(sw), 0.01, List.of(0.0, 2.0), OptionalLong.of(3));
        assertSameParameters(before, m);
        assertEquals(5, t.conditions().size());
        Ablations.Row random = t.conditions().get(3);
        assertEquals("prune random (seed 3)", random.condition());
        assertEquals(1, random.weightsChanged()); // as many weights as super weights
        assertNotEquals(t.conditions().get(1).metrics(), random.metrics());
        assertEquals(2, t.scaling().size());
        // the harness's figures against the NLL computed here from the model's logits, before and after pruning
        // (the harness reads logits as float32, hence 1e-5)
        int[] ids = BYTES.encode(Files.readString(text).strip(), true, false); // BOS + 62 bytes: one window
        double orig = t.conditions().get(0).metrics().get("t.txt.mean_token_nll");
        assertEquals(meanNextTokenNll(m, ids), orig, 1e-5);
        double pruned;
        try (WeightEdit e = new WeightEdit(m).prune(List.of(sw))) {
            pruned = meanNextTokenNll(m, ids);
        }
        assertEquals(pruned, t.conditions().get(1).metrics().get("t.txt.mean_token_nll"), 1e-5);
        assertTrue(Math.abs(pruned - orig) > 1e-3, "pruning the super weight changed the NLL by " + (pruned - orig));
        assertEquals(t.scaling().get(0).metrics(), t.conditions().get(1).metrics()); // scale 0 = prune
    }

    /** Mean of −log p(ids[t+1] | ids[..t]) from the logits of one forward pass (log-sum-exp in double). */
    private static double meanNextTokenNll(TransformerModel m, int[] ids) {
        INDArray logits = m.logits(new int[][]{ids}); // [1, T, V]
        double nll = 0;
        for (int t = 0; t + 1 < ids.length; t++) {
            double[] row = logits.get(NDArrayIndex.point(0), NDArrayIndex.point(t), NDArrayIndex.all()).toDoubleVector();
            double max = java.util.Arrays.stream(row).max().orElseThrow();
            double logSumExp = max + Math.log(java.util.Arrays.stream(row).map(v -> Math.exp(v - max)).sum());
            nll += logSumExp - row[ids[t + 1]];
        }
        return nll / (ids.length - 1);
    }

    @Test
    void badInputGivesClearErrors() {
        TransformerModel m = TransformerModel.create(TINY, DataType.DOUBLE, 1);
        SuperWeightDetector det = new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT);
        int[] tooLong = new int[TINY.maxSeqLen() + 1];
        String msg = assertThrows(IllegalArgumentException.class,
                () -> det.detect(m, List.of("long"), List.of(tooLong))).getMessage();
        assertTrue(msg.contains("longer than the model's context (max_seq_len 64)"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> SuperWeight.parse("9,1,2").check(TINY)).getMessage();
        assertTrue(msg.contains("unknown layer 9; the model has layers 0..1"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> SuperWeight.parse("1,32,2").check(TINY)).getMessage();
        assertTrue(msg.contains("outside the weight's shape [32, 64]"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> SuperWeight.parse("layers[1].mlp.up_proj.weight[1, 2]"))
                .getMessage();
        assertTrue(msg.contains("cannot read super-weight coordinates"), msg);
        ModelConfig moe = ModelPreset.registry().get("tiny-moe").config();
        msg = assertThrows(IllegalArgumentException.class, () -> SuperWeight.parse("1,1,2").check(moe)).getMessage();
        assertTrue(msg.contains("Mixture-of-Experts layer"), msg);
        assertEquals(new SuperWeight(2, 3968, 7003, Double.NaN),
                SuperWeight.parse("layers[2].mlp.down_proj.weight[3968, 7003]"));
        assertArrayEquals(new int[]{2, 3968, 7003}, new int[]{SuperWeight.parse("model.layers.2.mlp.down_proj.weight[3968,7003]").layer(),
                SuperWeight.parse("2:3968:7003").row(), SuperWeight.parse("(2, 3968, 7003)").col()});
    }
}
