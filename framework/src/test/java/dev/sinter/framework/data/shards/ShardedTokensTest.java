package dev.sinter.framework.data.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.PrepareConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.ByteTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedTokensTest {
    @TempDir
    Path tmp;
    Path shards;

    @BeforeEach
    void prepare() throws IOException {
        Path file = Files.writeString(tmp.resolve("t.txt"), "some text\n\nmore text here\n");
        shards = tmp.resolve("shards");
        new ShardWriter(new ByteTokenizer(), "abc123", new PrepareConfig("text", "text", 10)).prepare(file, 0.2, shards);
    }

    private String openFails() {
        UsageException e = assertThrows(UsageException.class, () -> ShardedTokens.open(shards));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    private void editIndex(String from, String to) throws IOException {
        Path index = shards.resolve("index.json");
        String json = Files.readString(index);
        assertTrue(json.contains(from), json);
        Files.writeString(index, json.replace(from, to));
    }

    @Test
    void tokenizerMismatchIsOneClearLine() throws IOException {
        ShardedTokens tokens = ShardedTokens.open(shards);
        tokens.requireTokenizer("byte", "abc123");
        UsageException e = assertThrows(UsageException.class, () -> tokens.requireTokenizer("hf:tok.json", "ffff"));
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(e.getMessage().startsWith("tokenizer mismatch: shards in " + shards + " were prepared with byte"),
                e.getMessage());
    }

    @Test
    void truncatedShardIsReported() throws IOException {
        Path first = shards.resolve("shard-00000.bin");
        Files.write(first, java.util.Arrays.copyOf(Files.readAllBytes(first), 12));
        assertTrue(openFails().contains("shard-00000.bin has 12 bytes, the index says 10 uint16 tokens (20 bytes)"));
    }

    @Test
    void shardNameOutsideTheDirectoryIsRefused() throws IOException {
        editIndex("\"shard-00000.bin\"", "\"../shard-00000.bin\"");
        assertTrue(openFails().contains("shard name ../shard-00000.bin is not a shard-NNNNN.bin file inside"));
    }

    @Test
    void brokenJsonAndWrongTotalsAreReported() throws IOException {
        editIndex("\"total_tokens\" : 27", "\"total_tokens\" : 99");
        assertTrue(openFails().contains("total_tokens 99 but the shards hold 27"));
        Files.writeString(shards.resolve("index.json"), "{ not json");
        assertTrue(openFails().contains("is corrupt: unreadable JSON"));
    }
}
