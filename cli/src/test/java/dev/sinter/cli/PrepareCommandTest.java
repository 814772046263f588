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

    @Test
    void withDistributedSparkTokenizesTheSameShards() throws IOException {
        Files.writeString(dir.resolve("docs.jsonl"), "{\"body\": \"one two three\"}\n{\"body\": \"four\"}\n");
        Path yaml = config("distributed: {engine: spark, master: 'local[2]', workers: 2}");
        Outcome spark = CliHarness.run("prepare", yaml.toString(), "data.shards=" + dir.resolve("spark"),
                "training.micro_batch_size=1"); // the section checks that 2 workers split the batch
        assertEquals(0, spark.code(), spark.err());
        Outcome single = CliHarness.run("prepare", config("").toString(), "data.shards=" + dir.resolve("single"));
        assertEquals(0, single.code(), single.err());
        assertEquals(Files.readString(dir.resolve("single/index.json")), Files.readString(dir.resolve("spark/index.json")));
        for (String shard : new String[] {"shard-00000.bin", "shard-00001.bin", "shard-00002.bin"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("single").resolve(shard)),
                    Files.readAllBytes(dir.resolve("spark").resolve(shard)), shard);
        }
    }

    @Test
    void parquetWithoutDistributedIsAUsageErrorNamingTheFix() throws IOException {
        Files.writeString(dir.resolve("docs.jsonl"), "PAR1");
        Outcome o = CliHarness.run("prepare", config("").toString(), "data.shards=" + dir.resolve("shards"),
                "data.prepare.format=parquet");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("data.prepare.format parquet is read only by the Spark engine; add distributed:"),
                o.err());
    }
}
