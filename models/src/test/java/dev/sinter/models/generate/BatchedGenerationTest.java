package dev.sinter.models.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** {@link Generator#generateEach} decodes its sequences together, token for token as one at a time. */
class BatchedGenerationTest {
    private static final ModelConfig CONFIG = ModelConfig.builder().dim(48).nLayers(2).nHeads(6).nKvHeads(2)
            .hiddenDim(40).vocabSize(37).maxSeqLen(32).ropeStyle("half").initStd(0.3).build();

    private static List<int[]> prompts(int n) {
        SplittableRandom rng = new SplittableRandom(3);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            prompts.add(rng.ints(1 + 3 * i, 0, CONFIG.vocabSize()).toArray()); // lengths 1, 4, 7, …
        }
        return prompts;
    }

    /** What {@link Generator#generate} gives for each prompt alone, sequence i with seed + i. */
    private static List<int[]> oneAtATime(Generator g, List<int[]> prompts, Generator.Settings s) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            out.add(g.generate(prompts.get(i), s.withSeed(s.seed() + i), id -> { }));
        }
        return out;
    }

    private static void assertSame(List<int[]> expected, List<int[]> got) {
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), got.get(i), "sequence " + i);
        }
    }

    @Test
    void greedyBatchesEqualOneAtATimeTokenForTokenWithEarlyStopsAndASlidingWindow() {
        Generator g = new Generator(TransformerModel.create(CONFIG, DataType.FLOAT, 5));
        List<int[]> prompts = prompts(5);
        // 40 new tokens after prompts of up to 13: every sequence's window slides past max_seq_len 32
        Generator.Settings free = new Generator.Settings(40, 0, 1, 0, -1);
        List<int[]> alone = oneAtATime(g, prompts, free);
        assertSame(alone, g.generateEach(prompts, free));
        // a stop token that some sequences emit early and others later or never: they leave the batch at different
        // steps
        int stop = alone.get(2)[5];
        Generator.Settings stopping = new Generator.Settings(40, 0, 1, 0, stop);
        List<int[]> aloneStopping = oneAtATime(g, prompts, stopping);
        List<Integer> lengths = aloneStopping.stream().map(a -> a.length).distinct().toList();
        assertTrue(lengths.size() > 1, "the stop token should end sequences at different lengths: " + lengths);
        assertEquals(stop, aloneStopping.get(2)[aloneStopping.get(2).length - 1]);
        assertSame(aloneStopping, g.generateEach(prompts, stopping));
    }

    @Test
    void sampledBatchesEqualOneAtATimeWithTheirOwnSeeds() {
        Generator g = new Generator(TransformerModel.create(CONFIG, DataType.FLOAT, 6));
        List<int[]> prompts = prompts(4);
        Generator.Settings s = new Generator.Settings(20, 0.9, 0.95, 7, -1).withTopK(10).withRepetitionPenalty(1.2);
        List<int[]> batched = g.generateEach(prompts, s);
        assertSame(oneAtATime(g, prompts, s), batched);
        // the same prompt four times: four different samples (their seeds differ)
        List<int[]> same = g.generateEach(List.of(prompts.get(1), prompts.get(1), prompts.get(1), prompts.get(1)),
                s);
        assertNotEquals(java.util.Arrays.toString(same.get(0)), java.util.Arrays.toString(same.get(1)));
        assertArrayEquals(batched.get(1), g.generateEach(List.of(prompts.get(1)), s.withSeed(s.seed() + 1)).get(0));
    }

    @Test
    void moreSequencesThanOneBatchKeepTheirSeedsAndEmptyPromptsAreRejected() {
        Generator g = new Generator(TransformerModel.create(CONFIG, DataType.FLOAT, 7));
        List<int[]> prompts = prompts(Generator.MAX_BATCH + 2).stream().map(p -> new int[]{p[0]}).toList();
        Generator.Settings s = new Generator.Settings(6, 1.0, 1, 11, -1);
        assertSame(oneAtATime(g, prompts, s), g.generateEach(prompts, s));
        assertEquals(0, g.generateEach(List.of(new int[]{1}), new Generator.Settings(0, 1.0, 1, 11, -1)).get(0).length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.generateEach(List.of(new int[]{1}, new int[0]), s));
        assertTrue(e.getMessage().contains("prompt 1"), e.getMessage());
    }
}
