package dev.sinter.framework.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {
    private static final int SEQ_LEN = 8;
    /** Token i has value i, so a window's first token tells its start. 101 tokens: windows at 0, 8, ..., 88. */
    private static final int[] TOKENS = IntStream.range(0, 101).toArray();
    private static final int WINDOWS = 12;

    @Test
    void sameSeedGivesSameBatchesAndOtherSeedsDiffer() {
        BatchSampler a = new BatchSampler(TOKENS, SEQ_LEN, 42);
        BatchSampler b = new BatchSampler(TOKENS, SEQ_LEN, 42);
        BatchSampler c = new BatchSampler(TOKENS, SEQ_LEN, 43);
        List<int[][]> fromA = new ArrayList<>();
        List<int[][]> fromC = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int[][] batch = a.next(5);
            fromA.add(batch);
            fromC.add(c.next(5));
            assertArrayEquals(batch, b.next(5));
        }
        assertFalse(Arrays.deepEquals(fromA.toArray(), fromC.toArray()));
        assertEquals(50, a.cursor());
        assertEquals(4, a.epoch());
    }

    @Test
    void seekReproducesTheFollowingBatchesExactly() {
        BatchSampler first = new BatchSampler(TOKENS, SEQ_LEN, 7);
        for (int i = 0; i < 3; i++) {
            first.next(5); // 15 windows: crosses the first epoch boundary
        }
        long cursor = first.cursor();
        assertEquals(15, cursor);
        List<int[][]> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            expected.add(first.next(4));
        }
        BatchSampler resumed = new BatchSampler(TOKENS, SEQ_LEN, 7);
        resumed.seek(cursor);
        for (int[][] batch : expected) {
            assertArrayEquals(batch, resumed.next(4));
        }
        first.seek(cursor); // seeking backwards on the same sampler works too
        assertArrayEquals(expected.get(0), first.next(4));
    }

    @Test
    void everyWindowOnceEpochAndLabelsAreShiftedInputs() {
        BatchSampler sampler = new BatchSampler(TOKENS, SEQ_LEN, 3);
        assertEquals(WINDOWS, sampler.windowsPerEpoch());
        List<Integer> previousOrder = null;
        for (int epoch = 0; epoch < 3; epoch++) {
            List<Integer> starts = new ArrayList<>();
            for (int[] window : sampler.next(WINDOWS)) {
                assertEquals(SEQ_LEN + 1, window.length);
                int[] inputs = Arrays.copyOf(window, SEQ_LEN);
                int[] labels = Arrays.copyOfRange(window, 1, SEQ_LEN + 1);
                for (int t = 0; t < SEQ_LEN; t++) {
                    assertEquals(inputs[t] + 1, labels[t]);
                }
                assertEquals(0, window[0] % SEQ_LEN);
                starts.add(window[0]);
            }
            List<Integer> sorted = new ArrayList<>(starts);
            sorted.sort(null);
            assertEquals(IntStream.range(0, WINDOWS).map(k -> k * SEQ_LEN).boxed().toList(), sorted);
            assertFalse(starts.equals(sorted) && starts.equals(previousOrder), "epochs should be shuffled");
            previousOrder = starts;
        }
    }

    @Test
    void sequentialWindowsAreInOrder() {
        int[][] windows = BatchSampler.sequentialWindows(TOKENS, SEQ_LEN, 3);
        assertEquals(3, windows.length);
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(Arrays.copyOfRange(TOKENS, k * SEQ_LEN, k * SEQ_LEN + SEQ_LEN + 1), windows[k]);
        }
        assertEquals(WINDOWS, BatchSampler.sequentialWindows(TOKENS, SEQ_LEN, 100).length);
    }

    @Test
    void rejectsTooShortStreams() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchSampler(new int[8], SEQ_LEN, 0));
        assertEquals("token stream has 8 tokens, too few for seq_len 8 (need at least 9)", e.getMessage());
        assertEquals(1, new BatchSampler(new int[9], SEQ_LEN, 0).windowsPerEpoch());
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(TOKENS, SEQ_LEN, 0).seek(-1));
    }
}
