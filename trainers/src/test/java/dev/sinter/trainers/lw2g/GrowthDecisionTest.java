package dev.sinter.trainers.lw2g;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GrowthDecisionTest {
    @Test
    void reusesTheSetWhoseSubspaceTheGradientAvoidsMost() {
        // cos 0.5 → 60°, cos 0.1 → 84.26°, S_pre cos 0.3 → 72.54°
        GrowthDecision d = GrowthDecision.decide(Map.of(0, 0.5, 1, 0.1), 0.3);
        assertEquals(60, d.angles().get(0), 1e-9);
        assertEquals(Math.toDegrees(Math.acos(0.1)), d.angles().get(1), 1e-9);
        assertEquals(Math.toDegrees(Math.acos(0.3)), d.epsilon(), 1e-9);
        assertTrue(d.reuse());
        assertEquals(1, d.set());
    }

    @Test
    void growsWhenEverySetWouldHinderMoreThanThePretrainedSpace() {
        GrowthDecision d = GrowthDecision.decide(Map.of(0, 0.9, 1, 0.8), 0.3);
        assertFalse(d.reuse());
        assertEquals(-1, d.set());
    }

    @Test
    void needsAnExistingSet() {
        assertThrows(IllegalArgumentException.class, () -> GrowthDecision.decide(Map.of(), 0.5));
    }
}
