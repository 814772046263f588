package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.PrepareConfig;
import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.framework.data.shards.ShardWriter;
import dev.sinter.framework.data.shards.TokenizerFingerprint;
import dev.sinter.framework.testing.TestCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training from memory-mapped shards: the same losses as the in-memory run on the same tokens, an interrupted run
 * resumes onto the same batches, and shards of another tokenizer are refused before any training.
 */
class ShardedRunTest {
    @TempDir
    static Path shared;
    private static Path corpus;
    private static Path shards;
    private static Path sharded;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareAndTrain() throws IOException {
        corpus = shared.resolve("corpus.txt");
        // one document (no blank line), so the shards hold exactly the in-memory tokenization of the file
        Files.writeString(corpus, TestCorpus.sentences(60_000, 11));
        shards = shared.resolve("shards");
        new ShardWriter(new ByteTokenizer(), TokenizerFingerprint.of(new TokenizerConfig("byte", null)),
                new PrepareConfig("text", "text", 4096)).prepare(corpus, 0.05, shards);
        sharded = new TrainingRun(config(shared, "sharded", shards)).execute().runDir();
    }

    @Test
    void aShardedRunTrainsLikeTheInMemoryRunOnTheSameTokens() throws IOException {
        Path inMemory = new TrainingRun(config(dir, "memory", null)).execute().runDir();
        Map<Long, Double> expected = TrainingRunTestAccess.losses(inMemory);
        assertEquals(8, expected.size());
        assertEquals(expected, TrainingRunTestAccess.losses(sharded));
        assertTrue(Files.readString(sharded.resolve("provenance.json")).contains("shards_index_sha256"));
    }

    @Test
    void anInterruptedShardedRunResumesOntoTheSameBatches() throws IOException {
        RunConfig cfg = config(dir, "resumed", shards);
        TrainingRun first = new TrainingRun(cfg).addListener(TrainingRunTestAccess.crashAt(6));
        assertThrows(IllegalStateException.class, first::execute);
        new TrainingRun(cfg).execute();
        assertEquals(TrainingRunTestAccess.losses(sharded), TrainingRunTestAccess.losses(dir.resolve("resumed")));
    }

    @Test
    void shardsOfAnotherTokenizerAreRefusedBeforeTraining() throws IOException {
        Path other = dir.resolve("other-shards");
        new ShardWriter(new ByteTokenizer(), "0123456789abcdef", new PrepareConfig("text", "text", 4096))
                .prepare(corpus, 0.05, other);
        UsageException e = assertThrows(UsageException.class,
                () -> new TrainingRun(config(dir, "mismatch", other)).execute());
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(e.getMessage().startsWith("tokenizer mismatch: shards in " + other
                + " were prepared with byte (sha256 0123456789ab) but the run uses byte (sha256 "), e.getMessage());
        assertFalse(Files.exists(dir.resolve("mismatch/checkpoints")));
    }

    private static RunConfig config(Path dir, String name, Path shards) {
        String yaml = String.join("\n",
                "name: " + name,
                "output_dir: " + dir,
                "seed: 5",
                "model: {name: tiny}",
                "data: {train: " + corpus + ", val_fraction: 0.05, seq_len: 32"
                        + (shards == null ? "" : ", shards: " + shards) + "}",
                "training: {steps: 8, batch_size: 4, lr: 3.0e-3, warmup_steps: 2, eval_every: 4, eval_batches: 1}",
                "checkpoint: {every: 4, keep_last: 2}",
                "samples: {count: 1, max_new_tokens: 4}");
        return RunConfig.loadString(yaml, name + ".yaml", List.of());
    }
}
