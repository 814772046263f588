package dev.sinter.framework.data;

import java.util.Random;

/**
 * Deterministic, resumable sampler of training windows. The token array is cut into non-overlapping windows of
 * {@code seqLen + 1} tokens at stride {@code seqLen} (window k starts at {@code k * seqLen}; the inputs are its first
 * {@code seqLen} tokens and the labels the last {@code seqLen}). Every epoch visits each window exactly once, in the
 * order of a Fisher-Yates shuffle driven by {@code new Random(seed * 1_000_003L + epoch)}. {@link #cursor()} counts the
 * windows consumed across epochs and {@link #seek(long)} restores that exact position. The tokens come from a
 * {@link TokenSequence}, so the same windows are drawn from an array or from memory-mapped shards; the sampler itself
 * holds only the epoch's order (4 bytes per window). Not thread-safe.
 */
public final class BatchSampler {
    private final TokenSequence tokens;
    private final int seqLen;
    private final long seed;
    private final int windows;
    private long cursor;
    private long shuffledEpoch = -1;
    private int[] order;

    /**
     * Creates a sampler positioned at cursor 0.
     *
     * @param tokens the token stream (copied)
     * @param seqLen the model's sequence length; the stream must hold at least {@code seqLen + 1} tokens
     * @param seed   the shuffle seed
     */
    public BatchSampler(int[] tokens, int seqLen, long seed) {
        this(TokenSequence.of(tokens.clone()), seqLen, seed);
    }

    /**
     * Creates a sampler over {@code tokens} positioned at cursor 0; it draws the same windows as
     * {@link #BatchSampler(int[], int, long)} over the same tokens.
     *
     * @param tokens the token stream (read, not copied); it must hold at least {@code seqLen + 1} tokens
     */
    public BatchSampler(TokenSequence tokens, int seqLen, long seed) {
        this.windows = windowCount(tokens.length(), seqLen);
        this.tokens = tokens;
        this.seqLen = seqLen;
        this.seed = seed;
    }

    /** Windows of {@code seqLen + 1} tokens at stride {@code seqLen} that fit in {@code length} tokens (at least 1). */
    private static int windowCount(long length, int seqLen) {
        if (seqLen < 1) {
            throw new IllegalArgumentException("seq_len must be >= 1, got " + seqLen);
        }
        if (length < seqLen + 1) {
            throw new IllegalArgumentException("token stream has " + length + " tokens, too few for seq_len " + seqLen
                    + " (need at least " + (seqLen + 1) + ")");
        }
        long count = (length - 1) / seqLen;
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("token stream of " + length + " tokens has more than 2^31 windows of "
                    + "seq_len " + seqLen + "; use a longer seq_len");
        }
        return (int) count;
    }

    /** Returns the next {@code batchSize} windows, each {@code seqLen + 1} tokens, and advances the cursor. */
    public int[][] next(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        int[][] batch = new int[batchSize][];
        for (int i = 0; i < batchSize; i++) {
            long epoch = cursor / windows;
            if (epoch != shuffledEpoch) {
                order = shuffledOrder(epoch);
                shuffledEpoch = epoch;
            }
            batch[i] = window(tokens, order[(int) (cursor % windows)], seqLen);
            cursor++;
        }
        return batch;
    }

    private int[] shuffledOrder(long epoch) {
        int[] perm = new int[windows];
        for (int i = 0; i < windows; i++) {
            perm[i] = i;
        }
        Random random = new Random(seed * 1_000_003L + epoch);
        for (int i = windows - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        return perm;
    }

    /** Number of windows consumed so far, across epochs. */
    public long cursor() {
        return cursor;
    }

    /** Restores a position returned by {@link #cursor()}; the following batches are then identical. */
    public void seek(long cursor) {
        if (cursor < 0) {
            throw new IllegalArgumentException("cursor must be >= 0, got " + cursor);
        }
        this.cursor = cursor;
    }

    /** The current epoch: {@code cursor() / windowsPerEpoch()}. */
    public long epoch() {
        return cursor / windows;
    }

    /** Number of windows in one epoch. */
    public int windowsPerEpoch() {
        return windows;
    }

    /**
     * The first {@code maxWindows} non-overlapping windows of {@code seqLen + 1} tokens at stride {@code seqLen}, in
     * order (fewer if the stream is shorter), e.g. for validation.
     *
     * @throws IllegalArgumentException if not even one window fits or {@code maxWindows < 1}
     */
    public static int[][] sequentialWindows(int[] tokens, int seqLen, int maxWindows) {
        return sequentialWindows(TokenSequence.of(tokens), seqLen, maxWindows);
    }

    /** {@link #sequentialWindows(int[], int, int)} over a {@link TokenSequence}. */
    public static int[][] sequentialWindows(TokenSequence tokens, int seqLen, int maxWindows) {
        if (maxWindows < 1) {
            throw new IllegalArgumentException("maxWindows must be >= 1, got " + maxWindows);
        }
        int count = Math.min(windowCount(tokens.length(), seqLen), maxWindows);
        int[][] out = new int[count][];
        for (int k = 0; k < count; k++) {
            out[k] = window(tokens, k, seqLen);
        }
        return out;
    }

    private static int[] window(TokenSequence tokens, int k, int seqLen) {
        int[] out = new int[seqLen + 1];
        tokens.read((long) k * seqLen, out);
        return out;
    }
}
