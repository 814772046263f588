package dev.sinter.framework.data.shards;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.TokenSequence;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A shard directory written by {@link ShardWriter}, memory-mapped read-only: tokens are read from the page cache on
 * demand, so the heap holds only the index and one buffer object per shard whatever the corpus size. The index is
 * not trusted: shard names must be plain {@code shard-NNNNN.bin} files inside the directory, every shard but the last
 * must hold {@code shard_tokens} tokens, and each file's size must equal its token count times the dtype's width.
 */
public final class ShardedTokens {
    private static final Pattern SHARD_NAME = Pattern.compile("shard-\\d{5,}\\.bin");

    private final Path dir;
    private final ShardIndex index;
    private final ByteBuffer[] shards;
    private final boolean wide;

    private ShardedTokens(Path dir, ShardIndex index, ByteBuffer[] shards) {
        this.dir = dir;
        this.index = index;
        this.shards = shards;
        this.wide = ShardIndex.UINT32.equals(index.dtype());
    }

    /** Opens and validates the shard directory {@code dir}. */
    public static ShardedTokens open(Path dir) throws IOException {
        Path indexFile = dir.resolve(ShardIndex.FILE);
        if (!Files.isRegularFile(indexFile)) {
            throw new UsageException("no shard index at " + indexFile + "; run sinter prepare with data.shards=" + dir);
        }
        ShardIndex index;
        try {
            index = Json.mapper().readerFor(ShardIndex.class).with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .readValue(indexFile.toFile());
        } catch (IOException e) {
            throw corrupt(indexFile, "unreadable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        validate(dir, indexFile, index);
        List<ShardIndex.Shard> list = index.shards();
        int width = ShardIndex.bytesPerToken(index.dtype());
        ByteBuffer[] buffers = new ByteBuffer[list.size()];
        for (int i = 0; i < buffers.length; i++) {
            Path file = dir.resolve(list.get(i).name());
            long expected = list.get(i).tokens() * width;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                if (ch.size() != expected) {
                    throw corrupt(indexFile, list.get(i).name() + " has " + ch.size() + " bytes, the index says "
                            + list.get(i).tokens() + " " + index.dtype() + " tokens (" + expected + " bytes)");
                }
                buffers[i] = ch.map(FileChannel.MapMode.READ_ONLY, 0, expected).order(ByteOrder.LITTLE_ENDIAN);
            }
        }
        return new ShardedTokens(dir, index, buffers);
    }

    private static void validate(Path dir, Path indexFile, ShardIndex index) {
        if (index.formatVersion() != ShardIndex.FORMAT_VERSION) {
            throw corrupt(indexFile, "format_version " + index.formatVersion() + ", expected "
                    + ShardIndex.FORMAT_VERSION);
        }
        if (!ShardIndex.UINT16.equals(index.dtype()) && !ShardIndex.UINT32.equals(index.dtype())) {
            throw corrupt(indexFile, "dtype '" + index.dtype() + "', expected uint16 or uint32");
        }
        if (index.shardTokens() < 1 || index.shards() == null || index.shards().isEmpty()) {
            throw corrupt(indexFile, "no shards or shard_tokens < 1");
        }
        Path root = dir.toAbsolutePath().normalize();
        long sum = 0;
        List<ShardIndex.Shard> list = index.shards();
        for (int i = 0; i < list.size(); i++) {
            ShardIndex.Shard s = list.get(i);
            if (s == null || s.name() == null || !SHARD_NAME.matcher(s.name()).matches()
                    || !root.resolve(s.name()).normalize().getParent().equals(root)) {
                throw corrupt(indexFile, "shard name " + (s == null ? null : s.name())
                        + " is not a shard-NNNNN.bin file inside " + dir);
            }
            boolean last = i == list.size() - 1;
            if (s.tokens() < 1 || s.tokens() > index.shardTokens() || (!last && s.tokens() != index.shardTokens())) {
                throw corrupt(indexFile, s.name() + " holds " + s.tokens() + " tokens; every shard but the last "
                        + "must hold shard_tokens=" + index.shardTokens());
            }
            sum += s.tokens();
        }
        if (sum != index.totalTokens()) {
            throw corrupt(indexFile, "total_tokens " + index.totalTokens() + " but the shards hold " + sum);
        }
        if (index.validationTokens() < 0 || index.validationTokens() >= sum) {
            throw corrupt(indexFile, "validation_tokens " + index.validationTokens() + " outside [0, " + sum + ")");
        }
    }

    private static UsageException corrupt(Path indexFile, String what) {
        return new UsageException("shard index " + indexFile + " is corrupt: " + what
                + "; run sinter prepare again into a new directory");
    }

    /** The validated index. */
    public ShardIndex index() {
        return index;
    }

    /**
     * Fails with one line unless the shards were prepared with the tokenizer whose description and fingerprint are
     * given.
     */
    public void requireTokenizer(String description, String sha256) {
        if (!index.tokenizerSha256().equals(sha256)) {
            throw new UsageException("tokenizer mismatch: shards in " + dir + " were prepared with " + index.tokenizer()
                    + " (sha256 " + abbrev(index.tokenizerSha256()) + ") but the run uses " + description + " (sha256 "
                    + abbrev(sha256) + "); run sinter prepare with this tokenizer or set data.tokenizer to match");
        }
    }

    private static String abbrev(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) : sha;
    }

    /** The training split: all tokens but the last {@code validation_tokens}. */
    public TokenSequence train() {
        return range(0, index.totalTokens() - index.validationTokens());
    }

    /** The validation split: the last {@code validation_tokens} tokens. */
    public TokenSequence validation() {
        return range(index.totalTokens() - index.validationTokens(), index.totalTokens());
    }

    private TokenSequence range(long start, long end) {
        return new TokenSequence() {
            @Override
            public long length() {
                return end - start;
            }

            @Override
            public void read(long from, int[] dst) {
                if (from < 0 || from + dst.length > end - start) {
                    throw new IndexOutOfBoundsException("tokens [" + from + ", " + (from + dst.length)
                            + ") outside a split of " + (end - start));
                }
                copy(start + from, dst);
            }
        };
    }

    private void copy(long position, int[] dst) {
        int shardTokens = index.shardTokens();
        for (int i = 0; i < dst.length; i++) {
            long p = position + i;
            ByteBuffer shard = shards[(int) (p / shardTokens)];
            int offset = (int) (p % shardTokens);
            dst[i] = wide ? shard.getInt(offset * 4) : Short.toUnsignedInt(shard.getShort(offset * 2));
        }
    }
}
