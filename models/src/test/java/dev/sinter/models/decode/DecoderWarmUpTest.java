package dev.sinter.models.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The JIT warm-up: what it covers, that it is deterministic and that it runs once per JVM. */
class DecoderWarmUpTest {
    @Test
    void theThrowawayShapesTakeTheKernelBranchesButNotMha() {
        Set<Integer> groups = new TreeSet<>();
        boolean half = false;
        boolean whole = false;
        boolean neither = false;
        int lanes = 16; // AVX-512 floats
        for (ModelConfig c : DecoderWarmUp.shapes()) {
            int hd = c.headDim();
            half |= 2 * hd == lanes;
            whole |= hd % lanes == 0;
            neither |= 2 * hd != lanes && hd % lanes != 0;
            groups.add(c.groupSize());
            // the LM head [517, D] has 4+ blocks of rows and a remainder block at AVX-512 and AVX2 widths
            assertTrue(c.vocabSize() / lanes >= 4 && c.vocabSize() % lanes != 0 && c.vocabSize() % 8 != 0);
        }
        assertTrue(half && whole && neither, "head sizes for " + lanes + " lanes");
        // VectorKernels.scores: 2 to 4 query heads per pass; 1 (MHA) slowed the others' compiled loop (see the class)
        assertEquals(Set.of(2, 3, 4), groups);
        assertTrue(DecoderWarmUp.shapes().stream().anyMatch(c -> c.dim() % 2 == 1 || c.hiddenDim() % 2 == 1),
                "an odd width runs matVec's last-column branch");
    }

    @Test
    void aRunIsDeterministicAndTheBackgroundThreadStartsOnceAndFinishes() throws InterruptedException {
        Kernels k = Kernels.best();
        assertEquals(DecoderWarmUp.run(k, 30), DecoderWarmUp.run(k, 30));
        Thread t = DecoderWarmUp.startInBackground();
        assertSame(t, DecoderWarmUp.startInBackground());
        assertTrue(t.isDaemon(), "a warm-up must not keep the JVM alive");
        t.join(120_000);
        assertFalse(t.isAlive(), "the warm-up did not finish in 2 minutes");
    }
}
