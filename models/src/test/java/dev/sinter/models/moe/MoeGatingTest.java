package dev.sinter.models.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sinter.framework.samediff.SameDiffRuntime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Truth tables of {@link MoeGating} on hand-written logits (first-come order, i.e. RTS off). */
class MoeGatingTest {
    // 6 tokens, 3 experts; argmax: 0, 0, 1, 0, 2, 0 → expert 0 gets 4 first choices
    static final double[][] LOGITS = {
            {2.0, 1.0, 0.0},
            {1.5, 0.5, 1.0},
            {0.0, 3.0, 1.0},
            {1.0, 0.0, 0.5},
            {0.0, 0.2, 0.4},
            {0.9, 0.8, 0.1}};

    private static Map<String, INDArray> run(int topK, int capacity, double[][] gumbel) {
        return run(topK, capacity, gumbel, null);
    }

    private static Map<String, INDArray> run(int topK, int capacity, double[][] gumbel, int[] order) {
        return run(topK, capacity, gumbel, order, null);
    }

    private static Map<String, INDArray> run(int topK, int capacity, double[][] gumbel, int[] order,
                                             double[] tokenMask) {
        SameDiffRuntime.init();
        SameDiff sd = SameDiff.create();
        SDVariable logits = sd.placeHolder("logits", DataType.DOUBLE, -1, 3);
        SDVariable cap = sd.placeHolder("cap", DataType.INT, 1);
        SDVariable g = topK == 2 ? sd.placeHolder("gumbel", DataType.DOUBLE, -1, 3) : null;
        SDVariable priority = order == null ? null : sd.placeHolder("order", DataType.INT, -1);
        SDVariable mask = tokenMask == null ? null : sd.placeHolder("mask", DataType.DOUBLE, -1);
        MoeGating.Result r = MoeGating.build(sd, "t.", logits, mask, priority, 3, topK, cap, g);
        sd.identity("slot1", r.slot1());
        sd.identity("w1", r.weight1());
        String[] outs = {"slot1", "w1", "t.aux_loss", "t.expert_counts", "t.dropped"};
        if (topK == 2) {
            sd.identity("slot2", r.slot2());
            sd.identity("w2", r.weight2());
            outs = new String[]{"slot1", "w1", "slot2", "w2", "t.aux_loss", "t.expert_counts", "t.dropped"};
        }
        Map<String, INDArray> ph = new java.util.HashMap<>();
        ph.put("logits", Nd4j.createFromArray(LOGITS));
        ph.put("cap", Nd4j.createFromArray(new int[]{capacity}));
        if (g != null) {
            ph.put("gumbel", Nd4j.createFromArray(gumbel));
        }
        if (order != null) {
            ph.put("order", Nd4j.createFromArray(order));
        }
        if (tokenMask != null) {
            ph.put("mask", Nd4j.createFromArray(tokenMask));
        }
        return sd.output(ph, outs);
    }

    private static double[] softmax(double[] z) {
        double s = 0;
        double[] p = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            p[j] = Math.exp(z[j]);
            s += p[j];
        }
        for (int j = 0; j < z.length; j++) {
            p[j] /= s;
        }
        return p;
    }

    @Test
    void top1AssignsSlotsFirstComeAndDropsBeyondCapacity() {
        Map<String, INDArray> o = run(1, 2, null);
        // expert 0 keeps tokens 0 and 1 (slots 0, 1), drops 3 and 5; expert 1 slot C·1+0 = 2; expert 2 slot 4
        assertArrayEquals(new int[]{0, 1, 2, 0, 4, 0}, o.get("slot1").toIntVector());
        double[] w = o.get("w1").toDoubleVector();
        int[] choice = {0, 0, 1, 0, 2, 0};
        boolean[] dropped = {false, false, false, true, false, true};
        for (int s = 0; s < 6; s++) {
            double expected = dropped[s] ? 0 : softmax(LOGITS[s])[choice[s]]; // top-1: the raw gate, not renormalised
            assertEquals(expected, w[s], 1e-12, "token " + s);
        }
        assertArrayEquals(new double[]{4, 1, 1}, o.get("t.expert_counts").toDoubleVector(), 0);
        assertEquals(2, o.get("t.dropped").getDouble(0), 0);
        // l_aux = E · Σ_e mean_s gates[s,e] · mean_s mask1[s,e], before dropping
        double[] me = new double[3];
        for (double[] row : LOGITS) {
            double[] p = softmax(row);
            for (int e = 0; e < 3; e++) {
                me[e] += p[e] / 6;
            }
        }
        double aux = 3 * (me[0] * 4 / 6 + me[1] / 6 + me[2] / 6);
        assertEquals(aux, o.get("t.aux_loss").getDouble(0), 1e-12);
    }

    @Test
    void unboundedCapacityDropsNothing() {
        Map<String, INDArray> o = run(1, 6, null);
        assertArrayEquals(new int[]{0, 1, 6, 2, 12, 3}, o.get("slot1").toIntVector());
        assertEquals(0, o.get("t.dropped").getDouble(0), 0);
    }

    @Test
    void top2QueuesSecondChoicesBehindFirstAndRenormalises() {
        double[][] noGumbel = new double[6][3];
        Map<String, INDArray> o = run(2, 3, noGumbel);
        // second choices (second-best logit): 1, 2, 2, 2, 1, 1
        // expert 0: first choices 0,1,3,5 → locations 0,1,2,3; C=3 keeps 0,1,3
        // expert 1: first {2} loc 0; second {0,4,5} loc 1,2,3 → keeps 0, 4; expert 2: first {4}, second {1,2,3} → 1,2
        assertArrayEquals(new int[]{0, 1, 3, 2, 6, 0}, o.get("slot1").toIntVector());
        assertArrayEquals(new int[]{4, 7, 8, 0, 5, 0}, o.get("slot2").toIntVector());
        double[] w1 = o.get("w1").toDoubleVector();
        double[] w2 = o.get("w2").toDoubleVector();
        int[][] choice = {{0, 1}, {0, 2}, {1, 2}, {0, 2}, {2, 1}, {0, 1}};
        boolean[][] kept = {{true, true}, {true, true}, {true, true}, {true, false}, {true, true}, {false, false}};
        for (int s = 0; s < 6; s++) {
            double[] p = softmax(LOGITS[s]);
            double a = kept[s][0] ? p[choice[s][0]] : 0;
            double b = kept[s][1] ? p[choice[s][1]] : 0;
            double denom = Math.max(a + b, 1.1920929e-7);
            assertEquals(a / denom, w1[s], 1e-12, "token " + s);
            assertEquals(b / denom, w2[s], 1e-12, "token " + s);
        }
        assertArrayEquals(new double[]{4, 4, 4}, o.get("t.expert_counts").toDoubleVector(), 0);
        assertEquals(3, o.get("t.dropped").getDouble(0), 0);
    }

    @Test
    void gumbelNoiseChoosesTheSecondExpert() {
        double[][] gumbel = new double[6][3];
        gumbel[0][2] = 5; // token 0: second choice becomes expert 2 instead of 1
        gumbel[0][0] = 100; // noise never re-selects the first choice
        Map<String, INDArray> o = run(2, 6, gumbel);
        assertEquals(2 * 6 + 1, o.get("slot2").getInt(0)); // expert 2, queued behind its one first choice (token 4)
    }

    @Test
    void randomTokenSelectionGivesSlotsInPriorityOrder() {
        // reversed priority: expert 0's first choices 0, 1, 3, 5 queue as 5, 3, 1, 0; capacity 2 keeps 5 and 3
        Map<String, INDArray> r = run(1, 2, null, new int[]{5, 4, 3, 2, 1, 0});
        assertArrayEquals(new int[]{0, 0, 1 * 2, 1, 2 * 2, 0}, r.get("slot1").toIntVector());
        double[] w = r.get("w1").toDoubleVector();
        assertEquals(0.0, w[0], 0.0, "token 0 queued last for expert 0: dropped");
        assertEquals(0.0, w[1], 0.0, "token 1 queued third for expert 0: dropped");
        assertEquals(softmax(LOGITS[3])[0], w[3], 1e-12);
        assertEquals(softmax(LOGITS[5])[0], w[5], 1e-12);
        assertEquals(2.0, r.get("t.dropped").getDouble(0), 0.0);
    }

    @Test
    void capacityZeroKeepsEveryTokenAndMaskedTokensTakeNoSlot() {
        // token 1 is padding: expert 0's first choices are 0, 3, 5 (locations 0, 1, 2), so C = 3, the largest load
        Map<String, INDArray> o = run(1, 0, null, new int[]{5, 4, 3, 2, 1, 0}, new double[]{1, 0, 1, 1, 1, 1});
        // reversed priority: expert 0 queues 5, 3, 0; expert 1 (C·1) token 2; expert 2 (C·2) token 4
        assertArrayEquals(new int[]{2, 0, 3, 1, 6, 0}, o.get("slot1").toIntVector());
        double[] w = o.get("w1").toDoubleVector();
        int[] choice = {0, 0, 1, 0, 2, 0};
        for (int s = 0; s < 6; s++) {
            assertEquals(s == 1 ? 0 : softmax(LOGITS[s])[choice[s]], w[s], 1e-12, "token " + s);
        }
        assertArrayEquals(new double[]{3, 1, 1}, o.get("t.expert_counts").toDoubleVector(), 0);
        assertEquals(0, o.get("t.dropped").getDouble(0), 0);
    }

    @Test
    void top2WithCapacityZeroKeepsBothChoicesOfEveryRealToken() {
        // second choices 1, 2, 2, 2, 1, 1; token 5 is padding. Loads: expert 0 {0,1,3}, 1 {2} + {0,4}, 2 {4} + {1,2,3}
        Map<String, INDArray> o = run(2, 0, new double[6][3], null, new double[]{1, 1, 1, 1, 1, 0});
        assertArrayEquals(new double[]{3, 3, 4}, o.get("t.expert_counts").toDoubleVector(), 0);
        assertEquals(0, o.get("t.dropped").getDouble(0), 0);
        // C = 4: expert 1 at 4, expert 2 at 8; second choices queue behind the expert's first choices
        assertArrayEquals(new int[]{0, 1, 4, 2, 8, 0}, o.get("slot1").toIntVector());
        assertArrayEquals(new int[]{5, 9, 10, 11, 6, 0}, o.get("slot2").toIntVector());
        double[] w1 = o.get("w1").toDoubleVector();
        double[] w2 = o.get("w2").toDoubleVector();
        int[][] choice = {{0, 1}, {0, 2}, {1, 2}, {0, 2}, {2, 1}};
        for (int s = 0; s < 5; s++) {
            double[] p = softmax(LOGITS[s]);
            double sum = p[choice[s][0]] + p[choice[s][1]];
            assertEquals(p[choice[s][0]] / sum, w1[s], 1e-12, "token " + s);
            assertEquals(p[choice[s][1]] / sum, w2[s], 1e-12, "token " + s);
        }
        assertEquals(0, w1[5], 0);
        assertEquals(0, w2[5], 0);
    }
}
