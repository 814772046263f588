package dev.sinter.framework.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.LogCapture;
import dev.sinter.framework.util.FaultInjection;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Atomic checkpoint writes, verification of damaged checkpoints and write failures. */
class CheckpointManagerTest {
    @TempDir
    Path dir;

    /** Ways a checkpoint can be damaged (a torn write, a full disk, a user's mistake). */
    enum Damage {
        TRUNCATED_MODEL(CheckpointManager.MODEL_FILE, "model.safetensors has"),
        TRUNCATED_OPTIMIZER(CheckpointManager.OPTIMIZER_FILE, "optimizer.safetensors has"),
        GARBLED_STATE(CheckpointManager.STATE_FILE, "trainer_state.json does not match its SHA-256"),
        DELETED_OPTIMIZER(CheckpointManager.OPTIMIZER_FILE, "optimizer.safetensors is missing"),
        DELETED_STATE(CheckpointManager.STATE_FILE, "trainer_state.json is missing"),
        TORN_MANIFEST(CheckpointManager.MANIFEST_FILE, "manifest.json is not valid");

        final String file;
        final String reason;

        Damage(String file, String reason) {
            this.file = file;
            this.reason = reason;
        }

        void apply(Path checkpoint) throws IOException {
            Path f = checkpoint.resolve(file);
            switch (this) {
                case TRUNCATED_MODEL, TRUNCATED_OPTIMIZER -> truncate(f);
                case GARBLED_STATE -> {
                    byte[] b = Files.readAllBytes(f);
                    b[b.length / 2] = '#';
                    Files.write(f, b);
                }
                case TORN_MANIFEST -> {
                    byte[] b = Files.readAllBytes(f);
                    Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
                }
                case DELETED_OPTIMIZER, DELETED_STATE -> Files.delete(f);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedNewestCheckpointIsSkippedWithAWarningNamingIt(Damage damage) throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 5);
        Path first = save(m, 4);
        Path newest = save(m, 8);
        damage.apply(newest);
        try (LogCapture log = LogCapture.of(CheckpointManager.class)) {
            assertEquals(first, m.latest().orElseThrow());
            String warning = log.text();
            assertTrue(warning.startsWith("WARN skipping checkpoint " + newest + ": " + damage.reason), warning);
        }
        IOException e = assertThrows(IOException.class, () -> CheckpointManager.verify(newest));
        assertTrue(e.getMessage().startsWith(damage.reason), e.getMessage());
        assertDoesNotThrow(() -> CheckpointManager.verify(first));
    }

    @Test
    void checkpointsWithoutAManifestStillLoadAndTruncationIsStillDetected() throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 5);
        Path older = save(m, 4);
        Path newest = save(m, 8);
        Files.delete(older.resolve(CheckpointManager.MANIFEST_FILE));
        Files.delete(newest.resolve(CheckpointManager.MANIFEST_FILE));
        assertEquals(newest, m.latest().orElseThrow(), "an intact checkpoint of the old format is complete");
        Checkpoint cp = CheckpointManager.read(newest);
        assertEquals(8, cp.state().step());
        assertEquals(weights(8), cp.parameters().get("w"));

        truncate(newest.resolve(CheckpointManager.OPTIMIZER_FILE));
        try (LogCapture log = LogCapture.of(CheckpointManager.class)) {
            assertEquals(older, m.latest().orElseThrow());
            assertTrue(log.text().contains("skipping checkpoint " + newest + ": "
                    + newest.resolve(CheckpointManager.OPTIMIZER_FILE)), log.text());
        }
    }

    @Test
    void everyCheckpointCarriesAManifestOfItsFiles() throws IOException {
        Path cp = save(new CheckpointManager(dir, 5), 4);
        String manifest = Files.readString(cp.resolve(CheckpointManager.MANIFEST_FILE));
        for (String f : List.of(CheckpointManager.MODEL_FILE, CheckpointManager.OPTIMIZER_FILE,
                CheckpointManager.STATE_FILE, "config.yaml")) {
            assertTrue(manifest.contains("\"" + f + "\""), f + " in " + manifest);
        }
        assertTrue(manifest.contains("\"bytes\" : " + Files.size(cp.resolve(CheckpointManager.MODEL_FILE))), manifest);
    }

    @Test
    void aFailedWriteKeepsThePreviousCheckpointAndRemovesItsTemporaryDirectory() throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 1);
        Path previous = save(m, 4);
        byte[] previousModel = Files.readAllBytes(previous.resolve(CheckpointManager.MODEL_FILE));
        System.setProperty(FaultInjection.FAIL_CHECKPOINT_FILE, CheckpointManager.OPTIMIZER_FILE + "@8");
        UncheckedIOException e;
        try {
            e = assertThrows(UncheckedIOException.class, () -> save(m, 8));
        } finally {
            System.clearProperty(FaultInjection.FAIL_CHECKPOINT_FILE);
        }
        assertEquals("cannot write checkpoint " + dir.resolve("step-0000008") + ": No space left on device"
                + " (injected by -D" + FaultInjection.FAIL_CHECKPOINT_FILE + "=optimizer.safetensors@8);"
                + " the previous checkpoint step-0000004 is intact", e.getMessage());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(previous), s.toList(), "only the previous checkpoint remains, no temporary directory");
        }
        assertEquals(previous, m.latest().orElseThrow());
        assertArrayEquals(previousModel, Files.readAllBytes(previous.resolve(CheckpointManager.MODEL_FILE)));
    }

    @Test
    void aFailedFirstWriteSaysThereIsNoEarlierCheckpoint() {
        CheckpointManager m = new CheckpointManager(dir, 1);
        System.setProperty(FaultInjection.FAIL_CHECKPOINT_FILE, CheckpointManager.MODEL_FILE + "@4");
        try {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> save(m, 4));
            assertTrue(e.getMessage().endsWith("; there is no earlier checkpoint"), e.getMessage());
        } finally {
            System.clearProperty(FaultInjection.FAIL_CHECKPOINT_FILE);
        }
        assertFalse(Files.exists(dir.resolve(".step-0000004.tmp")));
    }

    @Test
    void unfinishedTemporaryDirectoriesAreRemoved() throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 5);
        Path kept = save(m, 4);
        Path unfinished = Files.createDirectories(dir.resolve(".step-0000008.tmp"));
        Files.writeString(unfinished.resolve(CheckpointManager.MODEL_FILE), "partial");
        assertEquals(1, m.removeUnfinished());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(kept), s.toList());
        }
    }

    @Test
    void aDamagedNewestCheckpointIsSupersededAndKeepLastKeepsTheNewTimeline() throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 2);
        save(m, 8);
        Path resumePoint = save(m, 12);
        Path damaged = save(m, 16);
        truncate(damaged.resolve(CheckpointManager.MODEL_FILE));
        assertEquals(resumePoint, m.latest().orElseThrow());
        Path superseded = dir.resolve(CheckpointManager.SUPERSEDED_DIR).resolve("step-0000016");
        Files.createDirectories(superseded);
        Files.writeString(superseded.resolve("from-an-earlier-resume"), "x"); // an older copy is replaced

        try (LogCapture log = LogCapture.of(CheckpointManager.class)) {
            assertEquals(List.of(superseded), m.supersedeNewerThan(12));
            assertEquals("WARN checkpoint " + damaged + " is newer than the resume point (step 12): moved to "
                    + superseded, log.text().strip());
        }
        assertFalse(Files.exists(superseded.resolve("from-an-earlier-resume")));
        assertTrue(Files.exists(superseded.resolve(CheckpointManager.MANIFEST_FILE)));

        Path written = save(m, 14); // the resumed run's next checkpoint
        assertEquals(List.of(resumePoint, written), m.list(), "keep_last counts only the new timeline");
        assertEquals(written, m.latest().orElseThrow());
        Path next = save(m, 16);
        assertEquals(List.of(written, next), m.list());
        assertTrue(Files.isDirectory(superseded), "prune leaves superseded/ alone");
    }

    @Test
    void resumingFromAnOlderCheckpointSupersedesTheNewerOnes() throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 2);
        Path resumePoint = save(m, 8); // checkpoint.resume: .../step-0000008
        Path stale = save(m, 12);
        assertEquals(List.of(dir.resolve(CheckpointManager.SUPERSEDED_DIR).resolve("step-0000012")),
                m.supersedeNewerThan(8));
        assertEquals(List.of(resumePoint), m.list());
        assertFalse(Files.exists(stale));

        Path written = save(m, 10);
        assertEquals(List.of(resumePoint, written), m.list(), "the checkpoint just written is kept, the stale one gone");
        assertEquals(List.of(), m.supersedeNewerThan(10), "nothing newer than the newest");
    }

    @Test
    void manifestEntriesOutsideTheCheckpointOrMalformedMeanDamaged() throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 5);
        Path first = save(m, 4);
        Path newest = save(m, 8);
        Path outside = dir.resolve("outside.bin");
        Files.write(outside, Files.readAllBytes(newest.resolve(CheckpointManager.STATE_FILE)));
        String stateEntry = "{\"bytes\": " + Files.size(outside) + ", \"sha256\": \""
                + sha256Hex(Files.readAllBytes(outside)) + "\"}";
        Map<String, String> keys = Map.of(
                "../outside.bin", "manifest.json lists '../outside.bin', which is not a file name of the checkpoint",
                outside.toString(), "manifest.json lists '" + outside + "', which is not a file name of the checkpoint",
                "..", "manifest.json lists '..', which is not a file name of the checkpoint",
                ".", "manifest.json lists '.', which is not a file name of the checkpoint",
                "\\u0000", "manifest.json lists '\u0000', which is not a file name of the checkpoint");
        for (Map.Entry<String, String> k : keys.entrySet()) {
            writeManifest(newest, "{\"format\": 1, \"files\": {\"" + k.getKey() + "\": " + stateEntry + "}}");
            assertDamaged(m, first, newest, k.getValue());
        }
        writeManifest(newest, "{\"format\": 1, \"files\": {\"model.safetensors\": null}}");
        assertDamaged(m, first, newest, "manifest.json has a malformed entry for model.safetensors");
        writeManifest(newest, "{\"format\": 1, \"files\": {\"model.safetensors\": {\"bytes\": 3}}}");
        assertDamaged(m, first, newest, "manifest.json has a malformed entry for model.safetensors");
    }

    @Test
    void loadingChecksSizesAndHeadersWhileResumingAlsoChecksHashes() throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 5);
        Path first = save(m, 4);
        Path newest = save(m, 8);
        Path model = newest.resolve(CheckpointManager.MODEL_FILE);
        String manifest = Files.readString(newest.resolve(CheckpointManager.MANIFEST_FILE));
        assertTrue(manifest.contains(sha256Hex(Files.readAllBytes(model))), "hashed while written: " + manifest);

        byte[] b = Files.readAllBytes(model);
        b[b.length - 1] ^= 1; // same size, one bit of tensor data flipped
        Files.write(model, b);
        assertDoesNotThrow(() -> CheckpointManager.verify(newest, CheckpointManager.Check.SIZES));
        assertEquals(newest, m.latest(CheckpointManager.Check.SIZES).orElseThrow());
        IOException e = assertThrows(IOException.class, () -> CheckpointManager.verify(newest));
        assertEquals("model.safetensors does not match its SHA-256 in manifest.json (corrupted)", e.getMessage());
        assertEquals(first, m.latest().orElseThrow(), "resuming verifies the hashes");

        truncate(model); // a torn write is caught by the cheap check too
        assertEquals(first, m.latest(CheckpointManager.Check.SIZES).orElseThrow());
    }

    @Test
    void aFailedWriteNamesTheNewestIntactCheckpoint() throws IOException {
        CheckpointManager m = new CheckpointManager(dir, 5);
        save(m, 4);
        Path damaged = save(m, 8);
        truncate(damaged.resolve(CheckpointManager.MODEL_FILE));
        System.setProperty(FaultInjection.FAIL_CHECKPOINT_FILE, CheckpointManager.OPTIMIZER_FILE + "@12");
        try {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> save(m, 12));
            assertTrue(e.getMessage().endsWith("; the previous checkpoint step-0000004 is intact"), e.getMessage());
        } finally {
            System.clearProperty(FaultInjection.FAIL_CHECKPOINT_FILE);
        }
    }

    private static void assertDamaged(CheckpointManager m, Path intact, Path newest, String reason) {
        try (LogCapture log = LogCapture.of(CheckpointManager.class)) {
            assertEquals(intact, m.latest().orElseThrow());
            assertEquals("WARN skipping checkpoint " + newest + ": " + reason, log.text().strip());
        }
        for (CheckpointManager.Check check : CheckpointManager.Check.values()) {
            IOException e = assertThrows(IOException.class, () -> CheckpointManager.verify(newest, check));
            assertEquals(reason, e.getMessage());
        }
    }

    private static void writeManifest(Path checkpoint, String json) throws IOException {
        Files.writeString(checkpoint.resolve(CheckpointManager.MANIFEST_FILE), json);
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path save(CheckpointManager m, long step) {
        return m.save(new TrainerState(step, step * 3, step * 100, 7, 1.5, Map.of("trainer", "full")),
                Map.of("w", weights(step)), Map.of("format", "test"),
                Map.of("w.m", weights(step).mul(0.5), "w.v", weights(step).mul(0.25)),
                Map.of("config.yaml", "name: test\n".getBytes(StandardCharsets.UTF_8)));
    }

    private static INDArray weights(long step) {
        return Nd4j.arange(step, step + 64).castTo(DataType.FLOAT).reshape(8, 8);
    }

    private static void truncate(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 17);
        }
    }
}
