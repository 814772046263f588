package dev.sinter.models.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.UsageException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The logits processors of {@link Sampler}, against hand-computed distributions. */
class SamplerTest {
    private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, -1.0f, 1.9f};

    /** How often each id is drawn in {@code n} draws. */
    private static Map<Integer, Integer> histogram(Generator.Settings s, float[] logits, int n) {
        Sampler sampler = new Sampler(s, logits.length);
        Map<Integer, Integer> h = new HashMap<>();
        for (int i = 0; i < n; i++) {
            h.merge(sampler.next(logits), 1, Integer::sum);
        }
        return h;
    }

    @Test
    void greedyPicksTheLargestLogitAndTheRepetitionPenaltyFollowsHf() {
        Generator.Settings greedy = new Generator.Settings(1, 0, 1, 0, -1);
        assertEquals(0, new Sampler(greedy, 5).next(LOGITS));
        // θ = 1.1 divides the seen positive logit 2.0 to 1.818 < 1.9: id 4 wins
        Sampler penalised = new Sampler(greedy.withRepetitionPenalty(1.1), 5);
        penalised.saw(0);
        assertEquals(4, penalised.next(LOGITS));
        // a negative seen logit is multiplied: -1·θ stays the smallest; an unseen one is untouched
        Sampler negative = new Sampler(greedy.withRepetitionPenalty(3), 5);
        negative.saw(3);
        negative.saw(4);
        assertEquals(0, negative.next(LOGITS));
    }

    @Test
    void topKKeepsTheKLikeliestAndTopPTheSmallestNucleus() {
        Generator.Settings sample = new Generator.Settings(1, 1, 1, 7, -1);
        // top-2: only ids 0 and 4, in proportion e^2 : e^1.9
        Map<Integer, Integer> k2 = histogram(sample.withTopK(2), LOGITS, 20_000);
        assertEquals(2, k2.size(), k2.toString());
        double ratio = k2.get(0) / (double) k2.get(4);
        assertEquals(Math.exp(0.1), ratio, 0.05, "drawn in proportion to their probabilities");
        // softmax([2, 1, .5, -1, 1.9]) = [.385, .142, .086, .019, .349]: top-p 0.7 needs ids 0 and 4 (0.734)
        Map<Integer, Integer> p07 = histogram(new Generator.Settings(1, 1, 0.7, 7, -1), LOGITS, 5_000);
        assertEquals(java.util.Set.of(0, 4), p07.keySet());
        // top-p 0.75 needs a third id
        assertEquals(3, histogram(new Generator.Settings(1, 1, 0.75, 7, -1), LOGITS, 5_000).size());
    }

    @Test
    void withoutFiltersEveryIdIsDrawnInProportionToItsProbability() {
        int n = 50_000;
        Map<Integer, Integer> h = histogram(new Generator.Settings(1, 1, 1, 3, -1), LOGITS, n);
        double z = 0;
        for (float l : LOGITS) {
            z += Math.exp(l);
        }
        for (int id = 0; id < LOGITS.length; id++) {
            assertEquals(Math.exp(LOGITS[id]) / z, h.getOrDefault(id, 0) / (double) n, 0.01, "id " + id);
        }
        // temperature 0.5 sharpens: p ∝ e^(2·logit)
        Map<Integer, Integer> cold = histogram(new Generator.Settings(1, 0.5, 1, 3, -1), LOGITS, n);
        assertEquals(Math.exp(2 * 2.0 - 2 * 1.9), cold.get(0) / (double) cold.get(4), 0.05);
    }

    @Test
    void idsAtOrAboveTheVocabLimitAreNeverGenerated() {
        float[] logits = {0f, 0f, 5f, 9f}; // the likeliest ids lie outside a 2-id tokenizer
        assertEquals(1, new Sampler(new Generator.Settings(1, 0, 1, 0, -1).withVocabLimit(2), 4).next(
                new float[]{0f, 1f, 5f, 9f}));
        Map<Integer, Integer> h = histogram(new Generator.Settings(1, 1, 1, 3, -1).withVocabLimit(2), logits, 2_000);
        assertTrue(h.keySet().stream().allMatch(id -> id < 2), h.toString());
    }

    @Test
    void badSettingsAreUsageErrors() {
        assertThrows(UsageException.class, () -> new Generator.Settings(1, 1, 1, 0, -1).withTopK(-1));
        assertThrows(UsageException.class, () -> new Generator.Settings(1, 1, 1, 0, -1).withRepetitionPenalty(0.5));
        assertThrows(UsageException.class, () -> new Generator.Settings(1, 1, 0, 0, -1));
    }
}
