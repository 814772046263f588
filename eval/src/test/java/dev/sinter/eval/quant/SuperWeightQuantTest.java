package dev.sinter.eval.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Round-trip bounds, z-clipping, super-weight restore and the held-out activation (papers.md §1.7). */
class SuperWeightQuantTest {
    private static double[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = r.nextGaussian() * 0.02;
        }
        return w;
    }

    @Test
    void roundTripErrorIsWithinHalfAStepPerBlock() {
        for (int bits : new int[]{4, 8}) {
            double[] w = gaussian(1000, bits);
            w[17] = 0.9; // an outlier stretches only its own block
            double[] q = w.clone();
            int bs = 128;
            for (int from = 0; from < w.length; from += bs) {
                int to = Math.min(w.length, from + bs);
                double delta = Rtn.step(w, from, to, bits);
                Rtn.roundTrip(q, from, to, bits, Double.NaN);
                for (int i = from; i < to; i++) {
                    assertTrue(Math.abs(q[i] - w[i]) <= delta / 2 * (1 + 1e-12), "bits " + bits + " element " + i);
                }
            }
        }
    }

    @Test
    void zClippingClampsOnlyWhatExceedsTau() {
        double[] w = gaussian(512, 3);
        w[5] = 0.5;
        w[300] = -0.7;
        double tau = Rtn.zThreshold(w, 0, w.length, 3);
        double[] c = w.clone();
        int clipped = Rtn.roundTrip(c, 0, c.length, 16, 3); // 16 bits: the clamp dominates the error
        long over = java.util.Arrays.stream(w).filter(x -> Math.abs(x) > tau).count();
        assertEquals(over, clipped);
        double delta = (tau - (-tau)) / 65535;
        for (int i = 0; i < w.length; i++) {
            double expect = Math.abs(w[i]) > tau ? Math.copySign(tau, w[i]) : w[i];
            assertEquals(expect, c[i], delta, "element " + i);
        }
        assertEquals(-tau, c[300], delta);
    }

    @Test
    void restoredSuperWeightIsBitExactAndEverythingIsUndone() {
        ModelConfig tiny = ModelPreset.registry().get("tiny").config();
        TransformerModel m = TransformerModel.create(tiny, DataType.FLOAT, 5);
        SuperWeight sw = new SuperWeight(1, 7, 41, Double.NaN);
        INDArray down = m.parameters().get(sw.parameter());
        down.putScalar(new long[]{7, 41}, 1.2345678f);
        Map<String, INDArray> before = m.parameterSnapshot();
        WeightQuantizer q = new WeightQuantizer(4, 256, 3, List.of(sw));
        try (WeightQuantizer.Applied a = q.apply(m)) {
            assertEquals(before.get(sw.parameter()).getFloat(7, 41), down.getFloat(7, 41)); // bit-exact
            assertTrue(a.clipped() > 0);
            assertNotEquals(before.get(ParameterNames.mlp(0, "up")), m.parameters().get(ParameterNames.mlp(0, "up")));
            assertEquals(before.get(ParameterNames.EMBED), m.parameters().get(ParameterNames.EMBED)); // skipped
            assertEquals(before.get(ParameterNames.FINAL_NORM + ".weight"),
                    m.parameters().get(ParameterNames.FINAL_NORM + ".weight"));
        }
        m.parameters().forEach((k, v) -> assertEquals(before.get(k), v, k));
        try (WeightQuantizer.Applied a = WeightQuantizer.naive(4, 0).apply(m)) {
            // per tensor, the outlier stretches the range: the whole matrix falls on at most 16 levels
            assertTrue(java.util.Arrays.stream(down.dup().data().asDouble()).distinct().count() <= 16);
        }
        m.parameters().forEach((k, v) -> assertEquals(before.get(k), v, k));
    }

    @Test
    void aTensorThatIsNotAMultipleOfTheBlockSizeIsQuantizedAsOneBlock() {
        ModelConfig tiny = ModelPreset.registry().get("tiny").config();
        TransformerModel m = TransformerModel.create(tiny, DataType.DOUBLE, 5);
        String q = ParameterNames.attn(0, "q"); // [32, 32]: 1024 elements, not a multiple of 768, a multiple of 512
        m.parameters().get(q).putScalar(new long[]{0, 3}, 0.9); // an outlier in the first 768 elements
        INDArray perTensor;
        try (WeightQuantizer.Applied a = WeightQuantizer.naive(4, 0).apply(m)) {
            perTensor = m.parameters().get(q).dup();
        }
        try (WeightQuantizer.Applied a = WeightQuantizer.naive(4, 768).apply(m)) {
            // the official fallback: the whole tensor is one block (the old code cut [0, 768) and [768, 1024))
            assertEquals(perTensor, m.parameters().get(q));
        }
        try (WeightQuantizer.Applied a = WeightQuantizer.naive(4, 512).apply(m)) {
            // a multiple: two blocks; the second block does not see the outlier, so it gets finer levels
            assertNotEquals(perTensor, m.parameters().get(q));
        }
    }

    @Test
    void heldOutActivationIsReconstructedExactly() {
        SameDiff sd = SameDiff.create();
        int n = 6;
        int d = 5;
        SDVariable ids = sd.placeHolder(TransformerModel.INPUT_IDS, DataType.INT, -1, -1);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        INDArray wArr = Nd4j.createFromArray(new float[][]{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1},
                {0.5f, 0.5f, 0, 0}});
        SDVariable w = sd.var("w", wArr);
        SDVariable out = ActivationQuantization.layer(8, List.of(new SuperWeight(0, 2, 1, 1.0)), DataType.FLOAT, d)
                .apply(sd, ParameterNames.mlp(0, "down"), x, w);
        SDVariable ref = sd.mmul("ref", x, w, false, true, false);
        float[][] xs = new float[n][4];
        SplittableRandom r = new SplittableRandom(1);
        for (float[] row : xs) {
            for (int j = 0; j < 4; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        xs[1][2] = 300.123f; // sequence 0 (tokens 0..2): super activation in channel 2 at token 1
        xs[4][2] = -250.77f; // sequence 1 (tokens 3..5): at token 4
        Map<String, INDArray> o = sd.output(Map.of(TransformerModel.INPUT_IDS, Nd4j.zeros(DataType.INT, 2, 3),
                "x", Nd4j.createFromArray(xs)), out.name(), "ref");
        INDArray y = o.get("ref");
        INDArray q = o.get(out.name());
        assertEquals(y.getFloat(1, 2), q.getFloat(1, 2)); // held out: exact
        assertEquals(y.getFloat(4, 2), q.getFloat(4, 2));
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                if (!((i == 1 || i == 4) && j == 2)) {
                    lo = Math.min(lo, y.getDouble(i, j));
                    hi = Math.max(hi, y.getDouble(i, j));
                }
            }
        }
        double delta = (hi - lo) / 255; // the range without the super activations
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                assertEquals(y.getDouble(i, j), q.getDouble(i, j), delta / 2 + 1e-5, i + "," + j);
            }
        }
    }
}
