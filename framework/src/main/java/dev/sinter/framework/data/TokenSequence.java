package dev.sinter.framework.data;

/**
 * A read-only sequence of token ids addressed by a {@code long} position: an in-memory array or memory-mapped token
 * shards ({@link dev.sinter.framework.data.shards.ShardedTokens}). Implementations are immutable and thread-safe.
 */
public interface TokenSequence {
    /** Number of tokens. */
    long length();

    /** Copies the tokens {@code [from, from + dst.length)} into {@code dst}. */
    void read(long from, int[] dst);

    /** A sequence over {@code tokens} (not copied: the caller must not change the array afterwards). */
    static TokenSequence of(int[] tokens) {
        return new TokenSequence() {
            @Override
            public long length() {
                return tokens.length;
            }

            @Override
            public void read(long from, int[] dst) {
                System.arraycopy(tokens, Math.toIntExact(from), dst, 0, dst.length);
            }
        };
    }
}
