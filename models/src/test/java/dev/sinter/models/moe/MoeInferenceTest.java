package dev.sinter.models.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.models.decode.KvCacheDecoder;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.transformer.TransformerModel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Inference-mode MoE routing: nothing is dropped, padding takes no expert capacity, top-2 is deterministic, so a
 * sequence's logits are the same alone and inside any padded batch, while training still drops over capacity.
 */
class MoeInferenceTest {
    /** Router weights ×20: peaked gates, so which expert (or none) a token gets shows in the logits. */
    static final double ROUTER_SCALE = 20;
    /** float32: a different batch shape changes matmul summation order by ~1e-7. */
    static final double TOLERANCE = 1e-5;

    /**
     * tiny-moe (top-1, RTS), a top-2 variant with router jitter, tiny-prmoe (pyramid + residual), and tiny-prmoe with
     * DeepSpeed's bias on the learned mix.
     */
    static Stream<Arguments> models() {
        ModelConfig moe = ModelPreset.registry().get("tiny-moe").config();
        ModelConfig top2 = moe.withMoe(MoeConfig.builder(List.of(4)).moeEvery(2).topK(2).jitter(0.1).build());
        ModelConfig prmoe = ModelPreset.registry().get("tiny-prmoe").config();
        ModelConfig biased = prmoe.withMoe(prmoe.moe().toBuilder().coefficientBias(true).build());
        return Stream.of(Arguments.of("tiny-moe", moe), Arguments.of("top-2", top2),
                Arguments.of("tiny-prmoe", prmoe), Arguments.of("coefficient bias", biased));
    }

    /**
     * A seeded float model whose routers are scaled by {@link #ROUTER_SCALE}; learned-mix biases, when present, get
     * distinct non-zero values (they start at 0, which would hide a path that ignores them).
     */
    static TransformerModel unevenlyRouted(ModelConfig cfg, long seed) {
        TransformerModel m = TransformerModel.create(cfg, DataType.FLOAT, seed);
        for (int i : cfg.moeLayers()) {
            m.graph().getVariable(MoeNames.router(i)).getArr().muli(ROUTER_SCALE);
            if (cfg.moe().coefficientBias()) {
                m.graph().getVariable(MoeNames.coefficientBias(i)).getArr()
                        .assign(Nd4j.createFromArray(0.8f + i, -0.6f - i));
            }
        }
        return m;
    }

    /** Byte-range token sequences of the given lengths. */
    static int[][] sequences(long seed, int... lengths) {
        Random rng = new Random(seed);
        int[][] out = new int[lengths.length][];
        for (int s = 0; s < lengths.length; s++) {
            out[s] = rng.ints(lengths[s], 1, 256).toArray();
        }
        return out;
    }

    /** Right-pads rows to the longest with id 0. */
    static int[][] padded(int[][] rows) {
        int t = Arrays.stream(rows).mapToInt(r -> r.length).max().orElseThrow();
        return Arrays.stream(rows).map(r -> Arrays.copyOf(r, t)).toArray(int[][]::new);
    }

    static int[] lengths(int[][] rows) {
        return Arrays.stream(rows).mapToInt(r -> r.length).toArray();
    }

    /** Row b, positions 0..len−1 of {@code [B, T, V]} logits. */
    static INDArray real(INDArray logits, int b, int len) {
        return logits.get(NDArrayIndex.point(b), NDArrayIndex.interval(0, len), NDArrayIndex.all());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void aSequenceAloneHasTheLogitsItHasInsideAPaddedBatch(String name, ModelConfig cfg) {
        TransformerModel m = unevenlyRouted(cfg, 5);
        int[][] seqs = sequences(6, 40, 3, 17, 64, 9, 25, 1, 33);
        int[][] ids = padded(seqs);
        INDArray batched = m.logits(ids, lengths(seqs)); // [B, T, V]
        for (int b = 0; b < seqs.length; b++) {
            INDArray alone = m.logits(new int[][]{seqs[b]}); // [1, len, V]
            double diff = real(alone, 0, seqs[b].length).sub(real(batched, b, seqs[b].length)).amaxNumber()
                    .doubleValue();
            assertTrue(diff <= TOLERANCE, name + ", sequence " + b + " (" + seqs[b].length
                    + " tokens): max logit difference alone vs in the batch " + diff);
        }
        // and in another composition: the last three sequences in reverse order
        int[][] lastThree = {seqs[7], seqs[6], seqs[5]};
        INDArray part = m.logits(padded(lastThree), lengths(lastThree));
        for (int j = 0; j < lastThree.length; j++) {
            int b = 7 - j;
            double diff = real(part, j, seqs[b].length).sub(real(batched, b, seqs[b].length)).amaxNumber()
                    .doubleValue();
            assertTrue(diff <= TOLERANCE, name + ", sequence " + b + " in a batch of 3: " + diff);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void trainingDropsOverCapacityWhereInferenceKeepsEveryToken(String name, ModelConfig cfg) {
        TransformerModel m = unevenlyRouted(cfg, 5);
        int[][] windows = sequences(7, 33, 33, 33, 33); // [4][T + 1]
        String[] dropped = cfg.moeLayers().stream().map(MoeNames::dropped).toArray(String[]::new);
        Map<String, INDArray> train = m.graph().output(m.trainingPlaceholders(windows), dropped);
        Map<String, INDArray> val = m.graph().output(m.validationPlaceholders(windows), dropped);
        double trainingDrops = 0;
        for (String d : dropped) {
            trainingDrops += train.get(d).getDouble(0);
            assertEquals(0.0, val.get(d).getDouble(0), 0.0, name + ": inference dropped assignments in " + d);
        }
        assertTrue(trainingDrops > 0, name + ": the training capacity must bind on this batch (else the test "
                + "proves nothing)");
    }

    @Test
    void paddedPositionsGetNoExpertOutput() {
        TransformerModel m = unevenlyRouted(ModelPreset.registry().get("tiny-moe").config(), 5);
        int layer = m.config().moeLayers().get(0);
        int[][] seqs = sequences(8, 6, 2, 4);
        Map<String, INDArray> ph = m.inputPlaceholders(padded(seqs), lengths(seqs));
        Map<String, INDArray> o = m.graph().output(ph, MoeNames.output(layer), MoeNames.expertCounts(layer));
        INDArray out = o.get(MoeNames.output(layer)); // [B·T, D]
        for (int b = 0; b < seqs.length; b++) {
            for (int p = 0; p < 6; p++) {
                double norm = out.getRow(b * 6L + p).norm2Number().doubleValue();
                if (p < seqs[b].length) {
                    assertTrue(norm > 0, "real token " + b + "/" + p + " has an expert output");
                } else {
                    assertEquals(0.0, norm, 0.0, "padding " + b + "/" + p);
                }
            }
        }
        assertEquals(6 + 2 + 4, o.get(MoeNames.expertCounts(layer)).sumNumber().doubleValue(), 0.0,
                "loads count the real tokens only");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void greedyGenerationFollowsTheLogitsOfAPaddedBatch(String name, ModelConfig cfg) {
        TransformerModel m = unevenlyRouted(cfg, 9);
        int[] prompt = sequences(10, 12)[0];
        int[] generated = new Generator(m).generate(prompt, new Generator.Settings(8, 0, 1, 0, -1), t -> { });
        assertEquals(8, generated.length);
        int[] all = Arrays.copyOf(prompt, prompt.length + generated.length - 1);
        System.arraycopy(generated, 0, all, prompt.length, generated.length - 1);
        int[][] seqs = sequences(11, 50, 30, 45);
        seqs[1] = all; // between two longer sequences, padded
        INDArray logits = m.logits(padded(seqs), lengths(seqs));
        int[] argmax = new int[generated.length];
        for (int k = 0; k < generated.length; k++) {
            argmax[k] = logits.get(NDArrayIndex.point(1), NDArrayIndex.point(prompt.length - 1 + k),
                    NDArrayIndex.all()).argMax().getInt(0);
        }
        assertArrayEquals(generated, argmax, name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void generationStartsFromASingleToken(String name, ModelConfig cfg) {
        TransformerModel m = unevenlyRouted(cfg, 9);
        int[] out = new Generator(m).generate(new int[]{256}, new Generator.Settings(3, 0, 1, 0, -1), t -> { });
        assertEquals(3, out.length, name);
        // the graph on one token (N = 1: M2.1 cannot reduce over a size-1 axis, so the expert loads append a zero
        // row) gives the decoder's first-step logits
        INDArray graph = m.logits(new int[][]{{256}}).slice(0).getRow(0); // [V]
        float[] decoded = KvCacheDecoder.of(m).step(256);
        for (int v = 0; v < decoded.length; v++) {
            assertEquals(graph.getDouble(v), decoded[v], 1e-4, name + " logit " + v);
        }
        assertEquals(graph.argMax().getInt(0), out[0], name);
    }

    @Test
    void lengthsMustDescribeEveryRow() {
        TransformerModel m = TransformerModel.create(ModelPreset.registry().get("tiny-moe").config(), DataType.FLOAT, 1);
        int[][] ids = {{1, 2, 3}, {4, 5, 0}};
        assertEquals("row 1: length 0 is outside 1..3 (the padded row length); give each row's count of real tokens",
                assertThrows(IllegalArgumentException.class, () -> m.logits(ids, new int[]{3, 0})).getMessage());
        assertEquals("got 1 lengths for 2 rows of token ids; give one length per row",
                assertThrows(IllegalArgumentException.class, () -> m.logits(ids, new int[]{3})).getMessage());
    }
}
