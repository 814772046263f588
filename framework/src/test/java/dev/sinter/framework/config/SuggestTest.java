package dev.sinter.framework.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuggestTest {
    @Test
    void suggestsTheClosestCandidateWithinTheTypoBudget() {
        assertEquals(Optional.of("num_blocks"), Suggest.closest("num-blocsk", List.of("num_blocks", "block_size")));
        assertEquals(Optional.of("lr"), Suggest.closest("Lr", List.of("lr", "seed")));
        assertEquals(Optional.empty(), Suggest.closest("learning_rate", List.of("lr", "seed")));
    }

    @Test
    void neverSuggestsTheRejectedNameItself() {
        // a key that exists but was rejected for another reason must not be answered with "did you mean <itself>?"
        assertEquals(Optional.of("steps"), Suggest.closest("step", List.of("step", "steps")));
        assertEquals(Optional.empty(), Suggest.closest("seed", List.of("seed")));
        assertEquals("", Suggest.didYouMean("seed", List.of("seed", "batch_size")));
    }
}
