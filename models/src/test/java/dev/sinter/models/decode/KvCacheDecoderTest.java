package dev.sinter.models.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.models.transformer.TransformerModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The KV-cache decoder against the SameDiff graph's logits, for every architecture the graph builder makes and both
 * kernel sets. Widths are chosen so that the vector loops run whole vectors and scalar remainders (D 48, hidden 40,
 * V 37, up to 24 positions); weights are drawn with std 0.3 so logits are O(1) and MoE routing is decisive.
 */
class KvCacheDecoderTest {
    private static final double TOLERANCE = 1e-4;

    /** D 48, 2 layers, 6 query heads over 2 KV heads (hd 8), hidden 40, V 37, S 24. */
    private static ModelConfig config(String norm, String positions, String ropeStyle, String mlp, boolean tied,
                                      int kvHeads) {
        return config(6, kvHeads, norm, positions, ropeStyle, mlp, tied);
    }

    /** As above with {@code heads} query heads (head size 48 / heads). */
    private static ModelConfig config(int heads, int kvHeads, String norm, String positions, String ropeStyle,
                                      String mlp, boolean tied) {
        return ModelConfig.builder().dim(48).nLayers(2).nHeads(heads).nKvHeads(kvHeads).hiddenDim(40).vocabSize(37)
                .maxSeqLen(24).norm(norm).positions(positions).ropeStyle(ropeStyle).ropeTheta(500).mlp(mlp)
                .tieEmbeddings(tied).initStd(0.3).build();
    }

    /** MoE on both layers without token dropping. */
    private static MoeConfig moe(List<Integer> experts, int topK, boolean residual, String mix, Integer hidden) {
        return MoeConfig.builder(experts).layers(List.of(0, 1)).topK(topK).minCapacity(0).dropTokens(false)
                .residual(residual).residualMix(mix).expertHiddenDim(hidden).build();
    }

    static Stream<Arguments> variants() {
        ModelConfig llama = config("rmsnorm", "rope", "adjacent", "swiglu", true, 2);
        return Stream.of(
                Arguments.of("llama2c: RMSNorm, adjacent RoPE, GQA, SwiGLU, tied", llama),
                Arguments.of("HF Llama: rotate-half RoPE, untied, MHA",
                        config("rmsnorm", "rope", "half", "swiglu", false, 6)),
                Arguments.of("GPT-2: LayerNorm, learned positions, GELU, untied",
                        config("layernorm", "learned", "adjacent", "gelu", false, 6)),
                Arguments.of("LayerNorm, rotate-half RoPE, GELU, multi-query (6 heads, 1 KV head), tied",
                        config("layernorm", "rope", "half", "gelu", true, 1)),
                Arguments.of("head size 16 (whole AVX-512 vectors), 3 heads over 1 KV head",
                        config(3, 1, "rmsnorm", "rope", "half", "swiglu", true)),
                Arguments.of("head size 4 (below half a vector), 12 heads over 4 KV heads",
                        config(12, 4, "rmsnorm", "rope", "adjacent", "swiglu", false)),
                Arguments.of("MoE top-1 with 1 and 5 experts", llama.withMoe(moe(List.of(1, 5), 1, false,
                        MoeConfig.MIX_LEARNED, null))),
                Arguments.of("MoE top-2 pyramid [3, 6]", llama.withMoe(moe(List.of(3, 6), 2, false,
                        MoeConfig.MIX_LEARNED, null))),
                Arguments.of("Residual MoE top-1, learned mix, expert hidden 20", llama.withMoe(moe(List.of(4, 4), 1,
                        true, MoeConfig.MIX_LEARNED, 20))),
                Arguments.of("Residual MoE top-2, summed, GELU, LayerNorm",
                        config("layernorm", "learned", "adjacent", "gelu", false, 6).withMoe(moe(List.of(4, 2), 2,
                                true, MoeConfig.MIX_SUM, null))),
                Arguments.of("MoE whose training capacity binds (factor 1, min 0): inference drops nothing",
                        llama.withMoe(MoeConfig.builder(List.of(4, 4)).layers(List.of(0, 1)).minCapacity(0)
                                .jitter(0.1).build())),
                Arguments.of("Qwen2: q/k/v biases, rotate-half RoPE, GQA, untied",
                        config("rmsnorm", "rope", "half", "swiglu", false, 2).withAttentionBias(true)));
    }

    static Stream<Arguments> variantsAndKernels() {
        return variants().flatMap(v -> Stream.of(
                Arguments.of(v.get()[0], v.get()[1], "scalar"), Arguments.of(v.get()[0], v.get()[1], "best")));
    }

    private static Kernels kernels(String which) {
        return which.equals("scalar") ? new ScalarKernels() : Kernels.best();
    }

    private static int[] randomIds(int n, int vocab, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(vocab);
        }
        return ids;
    }

    /** max |a − b| over the row, relative to the logit scale max(1, max |b|). */
    private static double relativeError(float[] a, INDArray b) {
        double worst = 0;
        double scale = 1;
        for (int v = 0; v < a.length; v++) {
            scale = Math.max(scale, Math.abs(b.getDouble(v)));
        }
        for (int v = 0; v < a.length; v++) {
            worst = Math.max(worst, Math.abs(a[v] - b.getDouble(v)));
        }
        return worst / scale;
    }

    @ParameterizedTest(name = "{0} ({2})")
    @MethodSource("variantsAndKernels")
    void everyPositionMatchesTheGraphLogits(String name, ModelConfig cfg, String which) {
        TransformerModel model = randomised(TransformerModel.create(cfg, DataType.FLOAT, 7));
        int[] ids = randomIds(cfg.maxSeqLen(), cfg.vocabSize(), 11);
        INDArray graph = model.logits(new int[][]{ids}); // [1, T, V]
        KvCacheDecoder decoder = new KvCacheDecoder(DecoderWeights.of(model.config(), model.parameters(),
                kernels(which)));
        double worst = 0;
        for (int t = 0; t < ids.length; t++) {
            float[] logits = decoder.step(ids[t]);
            worst = Math.max(worst, relativeError(logits, graph.slice(0).getRow(t)));
        }
        assertTrue(worst <= TOLERANCE, name + ": largest logit difference " + worst);
        assertEquals(cfg.maxSeqLen(), decoder.length());
    }

    /**
     * {@code model} with random biases and norm scales: they start at 0 and 1, where a decoder that ignored them would
     * still agree with the graph.
     */
    private static TransformerModel randomised(TransformerModel model) {
        SplittableRandom rng = new SplittableRandom(13);
        for (String name : model.parameterNames()) {
            if (name.endsWith(".bias") || name.contains("norm")) {
                INDArray p = model.graph().getVariable(name).getArr();
                double[] values = rng.doubles(p.length(), 0.5, 1.5).toArray();
                p.assign(Nd4j.createFromArray(values).reshape(p.shape()).castTo(p.dataType()));
            }
        }
        return model;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void pastMaxSeqLenEachStepMatchesTheGraphOnTheLastWindow(String name, ModelConfig cfg) {
        TransformerModel model = TransformerModel.create(cfg, DataType.FLOAT, 3);
        int s = cfg.maxSeqLen();
        int[] ids = randomIds(s + 6, cfg.vocabSize(), 5);
        KvCacheDecoder decoder = KvCacheDecoder.of(model);
        decoder.prefill(java.util.Arrays.copyOf(ids, s));
        for (int t = s; t < ids.length; t++) {
            float[] logits = decoder.step(ids[t]);
            int[] window = java.util.Arrays.copyOfRange(ids, t + 1 - s, t + 1); // what Generator feeds the graph
            INDArray graph = model.logits(new int[][]{window}).slice(0).getRow(s - 1);
            assertTrue(relativeError(logits, graph) <= TOLERANCE, name + " at token " + t + ": "
                    + relativeError(logits, graph));
            assertEquals(s, decoder.length());
        }
    }

    @Test
    void theCacheGrowsPastItsInitialPositionsAndStillMatchesTheGraph() {
        int s = 600; // the cache starts with 256 positions and doubles to 512, then to 600
        ModelConfig cfg = ModelConfig.builder().dim(48).nLayers(2).nHeads(6).nKvHeads(2).hiddenDim(40).vocabSize(37)
                .maxSeqLen(s).ropeStyle("half").ropeTheta(500).initStd(0.3).build();
        TransformerModel model = TransformerModel.create(cfg, DataType.FLOAT, 5);
        int[] ids = randomIds(s, cfg.vocabSize(), 13);
        INDArray graph = model.logits(new int[][]{ids}).slice(0); // [T, V]
        KvCacheDecoder decoder = KvCacheDecoder.of(model);
        assertEquals(KvCacheDecoder.INITIAL_POSITIONS, decoder.capacity());
        int prompt = KvCacheDecoder.INITIAL_POSITIONS - 6;
        double worst = relativeError(decoder.prefill(java.util.Arrays.copyOf(ids, prompt)), graph.getRow(prompt - 1));
        for (int t = prompt; t < s; t++) {
            worst = Math.max(worst, relativeError(decoder.step(ids[t]), graph.getRow(t)));
            if (t == 2 * KvCacheDecoder.INITIAL_POSITIONS - 1) {
                assertEquals(2 * KvCacheDecoder.INITIAL_POSITIONS, decoder.capacity());
            }
        }
        assertTrue(worst <= TOLERANCE, "largest logit difference " + worst);
        assertTrue(decoder.capacity() >= s && decoder.capacity() < s + 16, "capacity " + decoder.capacity());
        // a whole window in one prefill, growing chunk by chunk from a fresh decoder
        KvCacheDecoder fresh = KvCacheDecoder.of(model);
        assertTrue(relativeError(fresh.prefill(ids), graph.getRow(s - 1)) <= TOLERANCE);
    }

    @Test
    void prefillEqualsStepsAndAPromptLongerThanTheWindowKeepsItsLastWindow() {
        int s = KvCacheDecoder.CHUNK + 24; // room for a chunk and more
        ModelConfig cfg = config("rmsnorm", "rope", "adjacent", "swiglu", true, 2).toBuilder().maxSeqLen(s).build();
        TransformerModel model = TransformerModel.create(cfg, DataType.FLOAT, 1);
        DecoderWeights weights = DecoderWeights.of(model);
        int[] ids = randomIds(s + 16, cfg.vocabSize(), 9);
        int n = KvCacheDecoder.CHUNK + 4; // one full chunk of prompt tokens and a partial one
        KvCacheDecoder stepped = new KvCacheDecoder(weights);
        float[] bySteps = null;
        for (int t = 0; t < n; t++) {
            bySteps = stepped.step(ids[t]).clone();
        }
        KvCacheDecoder prefilled = new KvCacheDecoder(weights);
        // bit for bit: the chunked products keep the single-token summation order
        assertArrayEquals(bySteps, prefilled.prefill(java.util.Arrays.copyOf(ids, n)).clone(), 0f);
        // both continue identically
        assertArrayEquals(stepped.step(ids[n]).clone(), prefilled.step(ids[n]).clone(), 0f);

        // n + 1 cached + S + 16 prompt tokens: only the last S count, at positions 0..S−1
        float[] overflow = prefilled.prefill(ids).clone();
        KvCacheDecoder fresh = new KvCacheDecoder(weights);
        float[] last = null;
        for (int t = 16; t < s + 16; t++) {
            last = fresh.step(ids[t]);
        }
        assertArrayEquals(last, overflow, 0f);
        // a reset forgets the sequence
        prefilled.reset();
        assertEquals(0, prefilled.length());
        assertArrayEquals(new KvCacheDecoder(weights).step(ids[3]).clone(), prefilled.step(ids[3]).clone(), 0f);
    }

    /**
     * Three sequences with prompts of different lengths, decoded together with batched steps that feed changing
     * subsets (one sequence pauses, one stops early), past max_seq_len (window slides inside a batched step): every
     * row equals, bit for bit, the logits of the same sequence decoded alone.
     */
    @ParameterizedTest(name = "{0} ({2})")
    @MethodSource("variantsAndKernels")
    void batchedStepsEqualEachSequenceDecodedAloneBitForBit(String name, ModelConfig cfg, String which) {
        TransformerModel model = TransformerModel.create(cfg, DataType.FLOAT, 7);
        DecoderWeights weights = DecoderWeights.of(model.config(), model.parameters(), kernels(which));
        int v = cfg.vocabSize();
        int[][] prompts = {randomIds(3, v, 1), randomIds(20, v, 2), randomIds(1, v, 3)};
        KvCacheDecoder batched = new KvCacheDecoder(weights, 3);
        KvCacheDecoder[] alone = new KvCacheDecoder[3];
        for (int i = 0; i < 3; i++) {
            alone[i] = new KvCacheDecoder(weights);
            assertArrayEquals(alone[i].prefill(prompts[i]).clone(), batched.prefill(i, prompts[i]).clone(), 0f);
        }
        SplittableRandom rng = new SplittableRandom(17);
        int[] seqs = new int[3];
        int[] tokens = new int[3];
        for (int t = 0; t < cfg.maxSeqLen() + 4; t++) {
            int n = 0;
            for (int i = 2; i >= 0; i--) { // reversed order: rows need not follow sequence numbers
                boolean fed = i == 0 || (i == 1 && t % 3 != 1) || (i == 2 && t < 9);
                if (fed) {
                    seqs[n] = i;
                    tokens[n++] = rng.nextInt(v);
                }
            }
            float[] rows = batched.step(seqs, tokens, n).clone();
            for (int j = 0; j < n; j++) {
                float[] expected = alone[seqs[j]].step(tokens[j]);
                float[] row = java.util.Arrays.copyOfRange(rows, j * v, (j + 1) * v);
                assertArrayEquals(expected, row, 0f, name + ": step " + t + ", sequence " + seqs[j]);
                assertEquals(alone[seqs[j]].length(), batched.length(seqs[j]));
            }
        }
        assertEquals(cfg.maxSeqLen(), batched.length(0), "sequence 0 slid its window inside batched steps");
        assertEquals(1 + 9, batched.length(2)); // its 1-token prompt and 9 steps
    }

    @Test
    void aBatchedStepRejectsRepeatedUnknownOrTooManySequences() {
        ModelConfig cfg = config("rmsnorm", "rope", "adjacent", "swiglu", true, 2);
        KvCacheDecoder decoder = new KvCacheDecoder(DecoderWeights.of(TransformerModel.create(cfg, DataType.FLOAT,
                1)), 2);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> decoder.step(new int[]{1, 1}, new int[]{3, 4}, 2));
        assertTrue(twice.getMessage().contains("sequence 1 appears twice"), twice.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> decoder.step(new int[]{2}, new int[]{3}, 1));
        assertTrue(unknown.getMessage().contains("sequence 2") && unknown.getMessage().contains("[0, 2)"),
                unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> decoder.step(new int[]{0, 1, 0}, new int[]{1, 2, 3}, 3));
        assertThrows(IllegalArgumentException.class, () -> decoder.prefill(5, new int[]{1}));
        assertThrows(IllegalArgumentException.class, () -> new KvCacheDecoder(DecoderWeights.of(
                TransformerModel.create(cfg, DataType.FLOAT, 1)), 0));
        assertEquals(0, decoder.length(0));
        assertEquals(0, decoder.length(1));
        // a step with a repeated sequence fed nothing: a valid step afterwards starts at position 0
        decoder.step(new int[]{1}, new int[]{3}, 1);
        assertEquals(1, decoder.length(1));
    }

    @Test
    void theKernelPropertyForcesTheScalarKernelsAndRejectsUnknownNames() {
        try {
            System.setProperty(Kernels.PROPERTY, "scalar");
            assertEquals("scalar", Kernels.best().describe());
            System.setProperty(Kernels.PROPERTY, "simd");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Kernels::best);
            assertTrue(e.getMessage().contains("'simd'") && e.getMessage().contains("scalar"), e.getMessage());
        } finally {
            System.clearProperty(Kernels.PROPERTY);
        }
        // the build runs tests with the incubator module, so the default is the Vector API
        assertTrue(Kernels.best().describe().startsWith("vector-"), Kernels.best().describe());
    }

    @Test
    void weightsAreCopiedOnce() {
        ModelConfig cfg = config("rmsnorm", "rope", "adjacent", "swiglu", true, 2);
        TransformerModel model = TransformerModel.create(cfg, DataType.FLOAT, 1);
        KvCacheDecoder decoder = KvCacheDecoder.of(model);
        float[] before = decoder.step(4).clone();
        model.parameters().values().forEach(p -> p.muli(2));
        decoder.reset();
        assertArrayEquals(before, decoder.step(4), 0f);
    }

    @Test
    void rejectsAdapterWeightsMissingTensorsAndBadTokens() {
        ModelConfig cfg = config("rmsnorm", "rope", "adjacent", "swiglu", true, 2);
        TransformerModel model = TransformerModel.create(cfg, DataType.FLOAT, 1);
        Map<String, INDArray> params = new HashMap<>(model.parameters());
        String lora = "model.layers.0.self_attn.q_proj.lora_A.weight";
        params.put(lora, Nd4j.zeros(DataType.FLOAT, 4, 48));
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
                () -> DecoderWeights.of(cfg, params));
        assertTrue(extra.getMessage().contains(lora) && extra.getMessage().contains("merge adapters"),
                extra.getMessage());

        params.remove(lora);
        String q = "model.layers.1.self_attn.q_proj.weight";
        params.put(q, Nd4j.zeros(DataType.FLOAT, 48, 47));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> DecoderWeights.of(cfg, params));
        assertTrue(shape.getMessage().contains(q) && shape.getMessage().contains("[48, 48]"), shape.getMessage());
        params.remove(q);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> DecoderWeights.of(cfg, params));
        assertTrue(missing.getMessage().contains("missing parameter '" + q + "'"), missing.getMessage());

        KvCacheDecoder decoder = KvCacheDecoder.of(model);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> decoder.step(37));
        assertTrue(bad.getMessage().contains("37") && bad.getMessage().contains("[0, 37)"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> decoder.prefill(new int[0]));
        assertEquals(0, decoder.length());
    }

    @Test
    void aHeapTooSmallForTheCopyIsRefusedBeforeCopying() {
        TransformerModel model = TransformerModel.create(config("rmsnorm", "rope", "adjacent", "swiglu", true, 2),
                DataType.FLOAT, 1);
        long floats = model.parameterCount() + 37L * 48; // and the tied head's packed copy
        DecoderWeights.requireHeapFor(model.config(), model.parameters(), floats * 4 * 5 / 4, 1L << 30);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DecoderWeights.requireHeapFor(
                model.config(), model.parameters(), floats * 4, 1L << 30));
        assertTrue(e.getMessage().contains("SINTER_HEAP=2g"), e.getMessage());
    }
}
