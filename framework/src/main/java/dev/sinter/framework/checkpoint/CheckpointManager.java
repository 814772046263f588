package dev.sinter.framework.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sinter.framework.util.FaultInjection;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes and finds checkpoints under {@code <run>/checkpoints/step-NNNNNNN/}: {@code model.safetensors} (HF names,
 * model config in its metadata), {@code optimizer.safetensors}, {@code trainer_state.json}, any extra files (resolved
 * config, tokenizer) and {@code manifest.json} (each file's size and SHA-256). Every file is written into a temporary
 * directory {@code .step-NNNNNNN.tmp} and synced (each file's SHA-256 computed from the bytes as they are written),
 * the manifest last, then the directory is synced and renamed into place, so a crash never leaves a partial
 * {@code step-*} directory; {@code keep_last} prunes the oldest {@code step-*} directly under the checkpoints
 * directory.
 *
 * <p>{@link #latest(Check)} verifies checkpoints newest first and skips a damaged one with a warning naming it and
 * the reason: {@link Check#SIZES} (for loading a model) checks the manifest's sizes, the safetensors headers against
 * the file sizes and the trainer state; {@link Check#HASHES} (for resuming training) also every SHA-256. Checkpoints
 * written before manifests existed are verified by their headers and trainer state alone. A run resumed from an
 * older checkpoint moves the newer ones into {@code superseded/} ({@link #supersedeNewerThan}).
 */
public final class CheckpointManager {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "trainer_state.json";
    /** File sizes and SHA-256 of the other files of a checkpoint. */
    public static final String MANIFEST_FILE = "manifest.json";
    /** Where checkpoints newer than a run's resume point are moved, inside the checkpoints directory. */
    public static final String SUPERSEDED_DIR = "superseded";
    private static final String PREFIX = "step-";
    private static final String TMP_SUFFIX = ".tmp";
    private static final Logger LOG = LogManager.getLogger(CheckpointManager.class);

    private final Path dir;
    private final int keepLast;

    public CheckpointManager(Path checkpointsDir, int keepLast) {
        this.dir = checkpointsDir;
        this.keepLast = keepLast;
    }

    /** One file of a checkpoint as the manifest records it. */
    record FileEntry(long bytes, String sha256) {
    }

    /** The content of {@code manifest.json}: file name to entry. */
    record Manifest(int format, Map<String, FileEntry> files) {
    }

    /** How thoroughly {@link #verify(Path, Check)} checks a checkpoint. */
    public enum Check {
        /**
         * Files present with the sizes the manifest records, safetensors headers consistent with the file sizes,
         * trainer state parses; reads no tensor data (enough to load a model: catches torn and truncated writes).
         */
        SIZES,
        /** {@link #SIZES} plus every file's SHA-256 against the manifest (before resuming training). */
        HASHES
    }

    /** Writes the body of a checkpoint file into an open channel. */
    @FunctionalInterface
    private interface FileBody {
        void writeTo(WritableByteChannel channel) throws IOException;
    }

    /**
     * Writes a complete checkpoint atomically and prunes old ones; returns its directory.
     *
     * @throws UncheckedIOException if a file cannot be written (e.g. the disk is full): the temporary directory is
     *                              removed and the message names the previous checkpoint, which is left untouched
     */
    public Path save(TrainerState state, Map<String, INDArray> parameters, Map<String, String> modelMetadata,
                     Map<String, INDArray> optimizer, Map<String, byte[]> extraFiles) {
        long step = state.step();
        Path target = dir.resolve(directoryName(step));
        Path tmp = dir.resolve("." + target.getFileName() + TMP_SUFFIX);
        boolean installed = false;
        try {
            Files.createDirectories(dir);
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            Map<String, FileEntry> files = new TreeMap<>();
            files.put(MODEL_FILE, writeSynced(tmp.resolve(MODEL_FILE), step,
                    ch -> SafetensorsIO.write(ch, parameters, modelMetadata)));
            FaultInjection.pause("checkpoint", step);
            files.put(OPTIMIZER_FILE, writeSynced(tmp.resolve(OPTIMIZER_FILE), step,
                    ch -> SafetensorsIO.write(ch, optimizer, Map.of())));
            byte[] stateJson = Json.pretty().writeValueAsBytes(state);
            files.put(STATE_FILE, writeSynced(tmp.resolve(STATE_FILE), step, ch -> writeFully(ch, stateJson)));
            for (Map.Entry<String, byte[]> e : extraFiles.entrySet()) {
                files.put(e.getKey(), writeSynced(tmp.resolve(e.getKey()), step, ch -> writeFully(ch, e.getValue())));
            }
            byte[] manifest = Json.pretty().writeValueAsBytes(new Manifest(1, files));
            writeSynced(tmp.resolve(MANIFEST_FILE), step, ch -> writeFully(ch, manifest));
            syncDirectory(tmp);
            deleteRecursively(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            installed = true;
            syncDirectory(dir);
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            String kept = newestIntact(target).map(p -> "the previous checkpoint " + p.getFileName() + " is intact")
                    .orElse("there is no earlier checkpoint");
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + reason + "; " + kept, e);
        } finally {
            if (!installed) {
                removeQuietly(tmp);
            }
        }
        prune();
        return target;
    }

    /** Writes {@code model.safetensors} alone (exported models). */
    public static void writeModel(Path directory, Map<String, INDArray> parameters, Map<String, String> metadata)
            throws IOException {
        SafetensorsIO.write(directory.resolve(MODEL_FILE), parameters, metadata);
    }

    /** The newest complete checkpoint, fully verified ({@link Check#HASHES}), as {@link #latest(Check)}. */
    public Optional<Path> latest() {
        return latest(Check.HASHES);
    }

    /**
     * The newest complete checkpoint, if any: checkpoints are verified newest first ({@link #verify(Path, Check)})
     * and a damaged one (any failure while verifying it) is skipped with a warning naming it and the reason.
     */
    public Optional<Path> latest(Check check) {
        List<Path> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path candidate = all.get(i);
            Optional<String> problem = problemOf(candidate, check);
            if (problem.isEmpty()) {
                return Optional.of(candidate);
            }
            LOG.warn("skipping checkpoint {}: {}", candidate, problem.get());
        }
        return Optional.empty();
    }

    /**
     * Moves every checkpoint of this run newer than {@code step} (the step a run resumes from) into
     * {@code superseded/} (replacing an older copy there), with a warning naming each, so that they are neither
     * resumed from later nor counted by {@code keep_last}; returns their new locations.
     */
    public List<Path> supersedeNewerThan(long step) throws IOException {
        List<Path> moved = new ArrayList<>();
        for (Path p : list()) {
            OptionalLong stepOf = stepOf(p);
            if (stepOf.isEmpty() || stepOf.getAsLong() <= step) {
                continue;
            }
            Path superseded = dir.resolve(SUPERSEDED_DIR);
            Files.createDirectories(superseded);
            Path to = superseded.resolve(p.getFileName());
            deleteRecursively(to);
            Files.move(p, to, StandardCopyOption.ATOMIC_MOVE);
            LOG.warn("checkpoint {} is newer than the resume point (step {}): moved to {}", p, step, to);
            moved.add(to);
        }
        if (!moved.isEmpty()) {
            syncDirectory(dir);
        }
        return moved;
    }

    /** Checkpoint directories ({@code step-*}), oldest first; {@link #latest()} tells which are complete. */
    public List<Path> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(PREFIX))
                    .filter(Files::isDirectory)
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Removes temporary directories left by a checkpoint write that was interrupted (call only while holding the run
     * directory's lock, when no other process writes checkpoints); returns how many were removed.
     */
    public int removeUnfinished() throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> unfinished;
        try (Stream<Path> s = Files.list(dir)) {
            unfinished = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("." + PREFIX) && n.endsWith(TMP_SUFFIX);
            }).toList();
        }
        for (Path p : unfinished) {
            LOG.info("removing the unfinished checkpoint {}", p);
            deleteRecursively(p);
        }
        return unfinished.size();
    }

    /** {@link #verify(Path, Check)} with {@link Check#HASHES}. */
    public static void verify(Path checkpointDir) throws IOException {
        verify(checkpointDir, Check.HASHES);
    }

    /**
     * Checks that {@code checkpointDir} is a complete training checkpoint without loading any tensor: the model,
     * optimizer and trainer state exist; if a manifest exists, each entry names a plain file of the directory that
     * has the recorded size (and, with {@link Check#HASHES}, SHA-256); both safetensors headers are valid and match
     * their file sizes; the trainer state parses.
     *
     * @throws IOException naming the first problem found
     */
    public static void verify(Path checkpointDir, Check check) throws IOException {
        Path manifestFile = checkpointDir.resolve(MANIFEST_FILE);
        if (Files.exists(manifestFile)) {
            Manifest manifest;
            try {
                manifest = Json.read(manifestFile, Manifest.class);
            } catch (JsonProcessingException e) {
                throw new IOException(MANIFEST_FILE + " is not valid: " + e.getOriginalMessage());
            }
            if (manifest.files() == null) {
                throw new IOException(MANIFEST_FILE + " lists no files");
            }
            for (Map.Entry<String, FileEntry> e : manifest.files().entrySet()) {
                checkAgainstManifest(checkpointDir, e.getKey(), e.getValue(), check);
            }
        }
        for (String required : List.of(MODEL_FILE, OPTIMIZER_FILE, STATE_FILE)) {
            if (!Files.isRegularFile(checkpointDir.resolve(required))) {
                throw new IOException(required + " is missing");
            }
        }
        SafetensorsIO.validate(checkpointDir.resolve(MODEL_FILE));
        SafetensorsIO.validate(checkpointDir.resolve(OPTIMIZER_FILE));
        try {
            Json.read(checkpointDir.resolve(STATE_FILE), TrainerState.class);
        } catch (JsonProcessingException e) {
            throw new IOException(STATE_FILE + " is not valid: " + e.getOriginalMessage());
        }
    }

    /** Reads a checkpoint directory (model, optimizer if present, state if present). */
    public static Checkpoint read(Path checkpointDir) throws IOException {
        Path model = checkpointDir.resolve(MODEL_FILE);
        if (!Files.exists(model)) {
            throw new IOException(checkpointDir + " is not a checkpoint: " + MODEL_FILE + " is missing");
        }
        Map<String, INDArray> params = SafetensorsIO.read(model);
        Map<String, String> meta = SafetensorsIO.readMetadata(model);
        Path opt = checkpointDir.resolve(OPTIMIZER_FILE);
        Map<String, INDArray> optimizer = Files.exists(opt) ? SafetensorsIO.read(opt) : Map.of();
        Path st = checkpointDir.resolve(STATE_FILE);
        TrainerState state = Files.exists(st) ? Json.read(st, TrainerState.class)
                : new TrainerState(0, 0, 0, 0, Double.NaN, Map.of());
        return new Checkpoint(checkpointDir, params, meta, optimizer, state);
    }

    static String directoryName(long step) {
        return String.format("%s%07d", PREFIX, step);
    }

    private static void checkAgainstManifest(Path checkpointDir, String name, FileEntry expected, Check check)
            throws IOException {
        if (!isPlainFileName(checkpointDir, name)) {
            throw new IOException(MANIFEST_FILE + " lists '" + name + "', which is not a file name of the checkpoint");
        }
        if (expected == null || expected.sha256() == null || expected.bytes() < 0) {
            throw new IOException(MANIFEST_FILE + " has a malformed entry for " + name);
        }
        Path file = checkpointDir.resolve(name);
        if (!file.getParent().equals(checkpointDir) || !Files.isRegularFile(file)) {
            throw new IOException(name + " is missing (listed in " + MANIFEST_FILE + ")");
        }
        long size = Files.size(file);
        if (size != expected.bytes()) {
            throw new IOException(name + " has " + size + " bytes, " + MANIFEST_FILE + " records " + expected.bytes()
                    + " (truncated or torn write)");
        }
        if (check == Check.HASHES && !sha256(file).equals(expected.sha256())) {
            throw new IOException(name + " does not match its SHA-256 in " + MANIFEST_FILE + " (corrupted)");
        }
    }

    /** Whether {@code name} names a file directly inside {@code directory} (no separator, not {@code .} or {@code ..}). */
    private static boolean isPlainFileName(Path directory, String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                || name.indexOf('\\') >= 0) {
            return false;
        }
        try {
            Path p = directory.getFileSystem().getPath(name);
            return !p.isAbsolute() && p.getNameCount() == 1;
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** Why {@code checkpoint} is not complete ({@link #verify(Path, Check)}), or empty if it is. */
    private static Optional<String> problemOf(Path checkpoint, Check check) {
        try {
            verify(checkpoint, check);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    /** The newest checkpoint other than {@code except} that passes {@link Check#SIZES}. */
    private Optional<Path> newestIntact(Path except) {
        List<Path> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (!all.get(i).equals(except) && problemOf(all.get(i), Check.SIZES).isEmpty()) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** The step in a checkpoint directory's name, if it has one. */
    private static OptionalLong stepOf(Path checkpoint) {
        try {
            return OptionalLong.of(Long.parseLong(checkpoint.getFileName().toString().substring(PREFIX.length())));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Creates {@code file}, writes it through {@code body}, syncs it and returns its size and the SHA-256 of the bytes
     * written (computed as they pass, so the file is not read back).
     */
    private static FileEntry writeSynced(Path file, long step, FileBody body) throws IOException {
        FaultInjection.beforeCheckpointWrite(file.getFileName().toString(), step);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            DigestingChannel digesting = new DigestingChannel(ch, newSha256());
            body.writeTo(digesting);
            ch.force(true);
            return new FileEntry(ch.size(), digesting.hex());
        }
    }

    private static void writeFully(WritableByteChannel ch, byte[] bytes) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(bytes);
        while (src.hasRemaining()) {
            ch.write(src);
        }
    }

    /** A channel that feeds every byte written through it into a digest. */
    private static final class DigestingChannel implements WritableByteChannel {
        private final WritableByteChannel target;
        private final MessageDigest digest;

        DigestingChannel(WritableByteChannel target, MessageDigest digest) {
            this.target = target;
            this.digest = digest;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int start = src.position();
            int n = target.write(src);
            if (n > 0) {
                digest.update(src.duplicate().position(start).limit(start + n));
            }
            return n;
        }

        String hex() {
            return HexFormat.of().formatHex(digest.digest());
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public void close() throws IOException {
            target.close();
        }
    }

    /** Makes a directory's entries durable (POSIX); platforms that cannot open a directory skip it. */
    private static void syncDirectory(Path directory) {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot sync directory {}: {}", directory, e.getMessage());
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = newSha256();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buffer) >= 0) {
                digest.update(buffer.flip());
                buffer.clear();
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Deletes the oldest checkpoints ({@code step-*} directly under the checkpoints directory) beyond
     * {@code keep_last}; a failure only warns, the new checkpoint is written.
     */
    private void prune() {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) {
            try {
                deleteRecursively(all.get(i));
            } catch (IOException e) {
                LOG.warn("cannot delete the old checkpoint {}: {}", all.get(i), e.getMessage());
            }
        }
    }

    private static void removeQuietly(Path p) {
        try {
            deleteRecursively(p);
        } catch (IOException e) {
            LOG.warn("cannot remove the unfinished checkpoint {}: {}", p, e.getMessage());
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
