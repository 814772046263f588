package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.data.shards.ShardIndex;
import dev.sinter.framework.data.shards.TokenizerFingerprint;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus several times larger than the heap trains from shards: a child JVM with a 64 MiB heap trains the tiny model
 * for two steps on 300 MB of shards (random byte-tokenizer ids written directly, so the test needs no tokenizing). In
 * memory the same tokens would take 600 MB of int[] before training starts.
 */
class ShardedHeapTest {
    private static final int HEAP_MB = 64;
    private static final long TOKENS = 150_000_000L; // 300 MB as uint16
    private static final int SHARD_TOKENS = 1 << 26;

    @TempDir
    Path dir;

    @Test
    void aCorpusFiveTimesTheHeapTrainsFromShards() throws Exception {
        Path shards = writeRandomShards(dir.resolve("shards"));
        long shardBytes = 2 * TOKENS;
        assertTrue(shardBytes > 4L * HEAP_MB * 1024 * 1024);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(java, "-Xmx" + HEAP_MB + "m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ShardedHeapTest.class.getName(),
                dir.toString(), shards.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child finished");
        String out = Files.readString(log);
        assertFalse(out.contains("OutOfMemoryError"), out);
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("trained 2 steps"), out);
        out.lines().filter(l -> l.startsWith("trained")).forEach(System.out::println);
    }

    /** Writes {@link #TOKENS} random ids below 260 as uint16 shards and their index, as sinter prepare would. */
    private static Path writeRandomShards(Path shards) throws IOException {
        Files.createDirectories(shards);
        SplittableRandom random = new SplittableRandom(1);
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        List<ShardIndex.Shard> list = new ArrayList<>();
        for (long start = 0; start < TOKENS; start += SHARD_TOKENS) {
            long n = Math.min(SHARD_TOKENS, TOKENS - start);
            String name = String.format("shard-%05d.bin", list.size());
            try (FileChannel ch = FileChannel.open(shards.resolve(name), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                for (long i = 0; i < n; i++) {
                    buffer.putShort((short) random.nextInt(260));
                    if (!buffer.hasRemaining()) {
                        buffer.flip();
                        ch.write(buffer);
                        buffer.clear();
                    }
                }
                buffer.flip();
                ch.write(buffer);
                buffer.clear();
            }
            list.add(new ShardIndex.Shard(name, n));
        }
        ShardIndex index = new ShardIndex(ShardIndex.FORMAT_VERSION, ShardIndex.UINT16, 260, "byte",
                TokenizerFingerprint.of(new TokenizerConfig("byte", null)), SHARD_TOKENS, TOKENS, TOKENS / 20,
                "random ids", list, List.of());
        Json.mapper().writeValue(shards.resolve(ShardIndex.FILE).toFile(), index);
        return shards;
    }

    /** The child: trains the tiny model two steps from the shards at {@code args[1]} into {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        String yaml = String.join("\n",
                "name: heap",
                "output_dir: " + args[0],
                "model: {name: tiny}",
                "data: {train: " + args[1] + ", shards: " + args[1] + ", seq_len: 64}",
                "training: {steps: 2, batch_size: 2, lr: 1.0e-3, eval_every: 2, eval_batches: 1}",
                "samples: {count: 0}");
        TrainingRun.Result r = new TrainingRun(RunConfig.loadString(yaml, "heap.yaml", List.of())).execute();
        String peak = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmHWM")).findFirst().orElse("VmHWM unknown");
        System.out.printf("trained %d steps, max heap %d MiB, %s%n", r.steps(),
                Runtime.getRuntime().maxMemory() >> 20, peak);
        System.exit(0);
    }
}
