package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.prompt.PrefixPrompts;
import dev.sinter.models.transformer.LinearLayer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Prompt prefixes in the BERT encoder's attention: masking, gradients, mixed-set batches. */
class PrefixPromptsTest {
    private static final EncoderConfig CFG = EncoderConfig.tiny(Pooling.MEAN); // 2 layers, D 32, 4 heads
    private static final PrefixPrompts PROMPTS = new PrefixPrompts(3, 2, 4, 8, new TreeSet<>(List.of(0, 1)),
            DataType.DOUBLE);

    /** Four rows, two of them padded. */
    private static EncodedBatch batch() {
        int[][] ids = {{5, 9, 14, 3, 7}, {8, 2, 0, 0, 0}, {11, 12, 13, 0, 0}, {4, 4, 6, 1, 20}};
        int[][] types = new int[4][5];
        int[][] mask = {{1, 1, 1, 1, 1}, {1, 1, 0, 0, 0}, {1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}};
        return new EncodedBatch(ids, types, mask);
    }

    private static BertEncoder prompted(int classes, boolean zero) {
        BertEncoder e = BertEncoder.create(CFG, classes, DataType.DOUBLE, 3, LinearLayer.DENSE, PROMPTS);
        SplittableRandom rng = new SplittableRandom(11);
        for (String name : PROMPTS.parameterNames()) {
            INDArray p = e.graph().getVariable(name).getArr();
            for (long i = 0; i < p.length(); i++) {
                p.putScalar(i, zero ? 0 : rng.nextDouble(-1, 1));
            }
        }
        return e;
    }

    private static Map<String, INDArray> run(BertEncoder e, int[] sets) {
        Map<String, INDArray> ph = batch().placeholders(DataType.DOUBLE);
        if (sets != null) {
            ph.put(PrefixPrompts.PROMPT_SET, Nd4j.createFromArray(sets));
        }
        return e.graph().output(ph, BertEncoder.LAST_HIDDEN_STATE, BertEncoder.POOLED);
    }

    @Test
    void maskedPrefixesLeaveTheFrozenModelUnchangedBitForBit() {
        BertEncoder frozen = BertEncoder.create(CFG, 0, DataType.DOUBLE, 3, LinearLayer.DENSE);
        Map<String, INDArray> reference = run(frozen, null);
        for (boolean zero : new boolean[]{false, true}) {
            Map<String, INDArray> masked = run(prompted(0, zero), new int[]{-1, -1, -1, -1});
            for (String out : List.of(BertEncoder.LAST_HIDDEN_STATE, BertEncoder.POOLED)) {
                double diff = masked.get(out).sub(reference.get(out)).amaxNumber().doubleValue();
                assertEquals(0.0, diff, 0.0, out + " with " + (zero ? "zero" : "random") + " masked prefixes");
            }
        }
        // an active prompt does change the outputs (the comparison above can fail)
        double moved = run(prompted(0, false), new int[]{0, 1, 2, 0}).get(BertEncoder.POOLED)
                .sub(reference.get(BertEncoder.POOLED)).amaxNumber().doubleValue();
        assertTrue(moved > 1e-3, "prompts moved the pooled output by only " + moved);
    }

    @Test
    void prefixNamesMapBackToTheirLayers() {
        assertEquals(List.of("prompt.layer.0.key", "prompt.layer.0.value", "prompt.layer.1.key",
                "prompt.layer.1.value"), PROMPTS.parameterNames());
        assertEquals(1, PrefixPrompts.layerOf(PrefixPrompts.valueName(1)));
        assertEquals(12, PrefixPrompts.layerOf(PrefixPrompts.keyName(12)));
        assertEquals(-1, PrefixPrompts.layerOf("continual.head.weight"));
    }

    @Test
    void mixedSetBatchEqualsPerSetBatches() {
        BertEncoder e = prompted(0, false);
        int[] mixed = {2, -1, 0, 1};
        INDArray together = run(e, mixed).get(BertEncoder.LAST_HIDDEN_STATE); // [4, T, D]
        for (int row = 0; row < mixed.length; row++) {
            int s = mixed[row];
            INDArray alone = run(e, new int[]{s, s, s, s}).get(BertEncoder.LAST_HIDDEN_STATE);
            double diff = together.slice(row).sub(alone.slice(row)).amaxNumber().doubleValue();
            assertEquals(0.0, diff, 0.0, "row " + row + " with set " + s);
        }
    }

    @Test
    void prefixGradientsMatchFiniteDifferences() {
        BertEncoder e = prompted(3, false);
        Map<String, INDArray> ph = batch().placeholders(DataType.DOUBLE);
        ph.put(PrefixPrompts.PROMPT_SET, Nd4j.createFromArray(0, 2, -1, 0));
        ph.put(BertEncoder.LABELS, Nd4j.createFromArray(1, 0, 2, 2));
        List<GradientCheck.Point> points = GradientCheck.check(e.graph(), ph, BertEncoder.LOSS,
                PROMPTS.parameterNames(), 40, 1e-5);
        assertEquals(4 * 40, points.size());
        Map<String, INDArray> grads = SameDiffRuntime.quietly(() -> e.graph().calculateGradients(ph,
                PROMPTS.parameterNames()));
        for (String name : PROMPTS.parameterNames()) {
            INDArray g = grads.get(name); // [S, P, D]
            assertTrue(g.slice(0).norm2Number().doubleValue() > 0, name + ": set 0 is used and learns");
            assertEquals(0.0, g.slice(1).amaxNumber().doubleValue(), 0.0, name + ": set 1 is unused");
        }
    }
}
