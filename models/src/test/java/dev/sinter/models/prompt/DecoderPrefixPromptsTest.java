package dev.sinter.models.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.transformer.TransformerModel;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Prompt prefixes in the causal decoder's attention (GQA, RoPE): masking, visibility, causality, gradients. */
class DecoderPrefixPromptsTest {
    // 2 layers, 4 query heads sharing 2 KV heads (g = 2), RoPE: every path the prefixes touch
    private static final ModelConfig CFG = ModelConfig.builder().dim(32).nLayers(2).nHeads(4).nKvHeads(2)
            .hiddenDim(48).vocabSize(40).maxSeqLen(16).build();
    private static final PrefixPrompts PROMPTS = new PrefixPrompts(3, 2, CFG.nKvHeads(), CFG.headDim(),
            new TreeSet<>(List.of(0, 1)), DataType.DOUBLE);
    private static final int[][] WINDOWS = {{1, 5, 9, 14, 3, 7, 2}, {1, 8, 2, 30, 31, 6, 11}, {1, 11, 12, 13, 4, 4, 9}};

    private static TransformerModel frozen() {
        return TransformerModel.create(CFG, DataType.DOUBLE, 3);
    }

    private static TransformerModel prompted(boolean zero) {
        TransformerModel m = TransformerModel.createForLoading(CFG, DataType.DOUBLE, PROMPTS);
        m.loadParameters(frozen().parameterSnapshot(), "the frozen twin");
        SplittableRandom rng = new SplittableRandom(11);
        for (String name : PROMPTS.parameterNames()) {
            INDArray p = m.graph().getVariable(name).getArr();
            for (long i = 0; i < p.length(); i++) {
                p.putScalar(i, zero ? 0 : rng.nextDouble(-1, 1));
            }
        }
        return m;
    }

    private static Map<String, INDArray> placeholders(TransformerModel m, int[][] windows, int[] sets) {
        Map<String, INDArray> ph = m.validationPlaceholders(windows);
        if (sets != null) {
            ph.put(PrefixPrompts.PROMPT_SET, Nd4j.createFromArray(sets));
        }
        return ph;
    }

    private static INDArray logits(TransformerModel m, int[][] windows, int[] sets) {
        return m.graph().output(placeholders(m, windows, sets), TransformerModel.LOGITS).get(TransformerModel.LOGITS);
    }

    @Test
    void maskedPrefixesLeaveTheFrozenDecoderUnchangedBitForBit() {
        INDArray reference = logits(frozen(), WINDOWS, null); // [B, T, V]
        for (boolean zero : new boolean[]{false, true}) {
            INDArray masked = logits(prompted(zero), WINDOWS, new int[]{-1, -1, -1});
            assertEquals(0.0, masked.sub(reference).amaxNumber().doubleValue(), 0.0,
                    (zero ? "zero" : "random") + " masked prefixes");
        }
        INDArray active = logits(prompted(false), WINDOWS, new int[]{0, 1, 2});
        for (int t = 0; t < WINDOWS[0].length - 1; t++) {
            double moved = active.get(NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all())
                    .sub(reference.get(NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all()))
                    .amaxNumber().doubleValue();
            assertTrue(moved > 1e-3, "position " + t + " sees the prefix columns (moved " + moved + ")");
        }
    }

    @Test
    void promptedPositionsStillSeeNoLaterToken() {
        TransformerModel m = prompted(false);
        int[][] changed = new int[WINDOWS.length][];
        for (int b = 0; b < WINDOWS.length; b++) {
            changed[b] = WINDOWS[b].clone();
            changed[b][4] = 20 + b; // the input at position 4
        }
        int[] sets = {0, 1, 2};
        INDArray a = logits(m, WINDOWS, sets);
        INDArray b = logits(m, changed, sets);
        INDArray before = a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4), NDArrayIndex.all());
        assertEquals(0.0, before.sub(b.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4), NDArrayIndex.all()))
                .amaxNumber().doubleValue(), 0.0, "positions 0-3 do not see position 4");
        assertTrue(a.get(NDArrayIndex.all(), NDArrayIndex.point(4), NDArrayIndex.all()).sub(b.get(NDArrayIndex.all(),
                NDArrayIndex.point(4), NDArrayIndex.all())).amaxNumber().doubleValue() > 1e-6, "position 4 does");
    }

    @Test
    void mixedSetBatchEqualsPerSetBatches() {
        TransformerModel m = prompted(false);
        int[] mixed = {2, -1, 0};
        INDArray together = logits(m, WINDOWS, mixed);
        for (int row = 0; row < mixed.length; row++) {
            int s = mixed[row];
            INDArray alone = logits(m, WINDOWS, new int[]{s, s, s});
            assertEquals(0.0, together.slice(row).sub(alone.slice(row)).amaxNumber().doubleValue(), 0.0,
                    "row " + row + " with set " + s);
        }
    }

    @Test
    void prefixGradientsUnderTheCausalBiasMatchFiniteDifferences() {
        TransformerModel m = prompted(false);
        Map<String, INDArray> ph = placeholders(m, WINDOWS, new int[]{0, 2, -1});
        List<GradientCheck.Point> points = GradientCheck.check(m.graph(), ph, TransformerModel.LOSS,
                PROMPTS.parameterNames(), 30, 1e-5);
        assertEquals(4 * 30, points.size());
        Map<String, INDArray> grads = m.graph().calculateGradients(ph, PROMPTS.parameterNames());
        for (String name : PROMPTS.parameterNames()) {
            INDArray g = grads.get(name); // [S, P, KV·hd]
            assertTrue(g.slice(0).norm2Number().doubleValue() > 0, name + ": set 0 is used and learns");
            assertEquals(0.0, g.slice(1).amaxNumber().doubleValue(), 0.0, name + ": set 1 is unused");
        }
    }

    @Test
    void queryRowsSpanTheKeyPrefixWidth() {
        TransformerModel m = prompted(false);
        String name = dev.sinter.models.transformer.ParameterNames.queryRows(1);
        INDArray rows = m.graph().output(placeholders(m, WINDOWS, new int[]{0, 0, 0}), name).get(name);
        int t = WINDOWS[0].length - 1;
        assertEquals(List.of((long) WINDOWS.length * CFG.groupSize() * t, (long) CFG.kvDim()),
                List.of(rows.shape()[0], rows.shape()[1]));
    }
}
