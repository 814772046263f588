package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.framework.data.TokenSequence;
import dev.sinter.framework.data.shards.ShardedTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareCommandTest {
    @TempDir
    Path dir;

    private Path config(String extra) throws IOException {
        return Files.writeString(dir.resolve("run.yaml"), String.join("\n",
                "name: prep",
                "output_dir: " + dir.resolve("runs"),
                "model: {name: tiny}",
                "data:",
                "  train: " + dir.resolve("docs.jsonl"),
                "  seq_len: 16",
                "  prepare: {format: jsonl, jsonl_field: body, shard_tokens: 8}",
                extra,
                "training: {steps: 2, batch_size: 2, lr: 1.0e-3}", ""));
    }

    private static int[] all(TokenSequence s) {
        int[] out = new int[(int) s.length()];
        s.read(0, out);
        return out;
    }

    @Test
    void prepareWritesTheShardsOfTheConfigsSource() throws IOException {
        Files.writeString(dir.resolve("docs.jsonl"), "{\"body\": \"one two three\"}\n{\"body\": \"four\"}\n");
        Outcome o = CliHarness.run("prepare", config("").toString(), "data.shards=" + dir.resolve("shards"));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("prepared " + dir.resolve("shards") + ": 19 tokens (1 validation) in 3 uint16 "
                + "shards from 1 files"), o.out());
        ShardedTokens shards = ShardedTokens.open(dir.resolve("shards"));
        ByteTokenizer bytes = new ByteTokenizer();
        int[] expected = IntStream.concat(IntStream.of(bytes.encode("one two three", true, false)),
                IntStream.of(bytes.encode("four", true, false))).toArray();
        assertArrayEquals(expected, IntStream.concat(IntStream.of(all(shards.train())),
                IntStream.of(all(shards.validation()))).toArray());
    }

    @Test
    void prepareWithoutShardsIsAUsageError() throws IOException {
        Outcome o = CliHarness.run("prepare", config("").toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("data.shards is not set"), o.err());
    }
}
