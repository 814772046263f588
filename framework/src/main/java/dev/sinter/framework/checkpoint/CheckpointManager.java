package dev.sinter.framework.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sinter.framework.util.FaultInjection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes and finds checkpoints under {@code <run>/checkpoints/step-NNNNNNN/}: {@code model.safetensors} (HF names,
 * model config in its metadata), {@code optimizer.safetensors}, {@code trainer_state.json}, any extra files (resolved
 * config, tokenizer) and {@code manifest.json} (each file's size and SHA-256). Every file is written into a temporary
 * directory {@code .step-NNNNNNN.tmp} and synced, the manifest last, then the directory is synced and renamed into
 * place, so a crash never leaves a partial {@code step-*} directory; {@code keep_last} prunes the oldest.
 *
 * <p>{@link #latest()} verifies checkpoints newest first (manifest sizes and hashes, safetensors headers against
 * the file sizes, trainer state) and skips a damaged one with a warning naming it and the reason. Checkpoints written
 * before manifests existed are verified by their headers and trainer state alone.
 */
public final class CheckpointManager {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "trainer_state.json";
    /** File sizes and SHA-256 of the other files of a checkpoint. */
    public static final String MANIFEST_FILE = "manifest.json";
    private static final String PREFIX = "step-";
    private static final String TMP_SUFFIX = ".tmp";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointManager.class);

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

    /** Writes the body of a checkpoint file. */
    @FunctionalInterface
    private interface FileBody {
        void writeTo(Path file) throws IOException;
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
        Optional<Path> previous = list().stream().filter(p -> !p.equals(target)).reduce((a, b) -> b);
        boolean installed = false;
        try {
            Files.createDirectories(dir);
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            writeSynced(tmp.resolve(MODEL_FILE), step, f -> SafetensorsIO.write(f, parameters, modelMetadata));
            FaultInjection.pause("checkpoint", step);
            writeSynced(tmp.resolve(OPTIMIZER_FILE), step, f -> SafetensorsIO.write(f, optimizer, Map.of()));
            writeSynced(tmp.resolve(STATE_FILE), step, f -> Files.write(f, JSON.writeValueAsBytes(state)));
            for (Map.Entry<String, byte[]> e : extraFiles.entrySet()) {
                writeSynced(tmp.resolve(e.getKey()), step, f -> Files.write(f, e.getValue()));
            }
            Manifest manifest = manifestOf(tmp);
            writeSynced(tmp.resolve(MANIFEST_FILE), step, f -> Files.write(f, JSON.writeValueAsBytes(manifest)));
            syncDirectory(tmp);
            deleteRecursively(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            installed = true;
            syncDirectory(dir);
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            String kept = previous.map(p -> "the previous checkpoint " + p.getFileName() + " is intact")
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

    /**
     * The newest complete checkpoint, if any: checkpoints are verified newest first ({@link #verify}) and a damaged
     * one is skipped with a warning naming it and the reason.
     */
    public Optional<Path> latest() {
        List<Path> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path candidate = all.get(i);
            try {
                verify(candidate);
                return Optional.of(candidate);
            } catch (IOException e) {
                LOG.warn("skipping checkpoint {}: {}", candidate, e.getMessage());
            }
        }
        return Optional.empty();
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

    /**
     * Checks that {@code checkpointDir} is a complete training checkpoint without loading any tensor: the model,
     * optimizer and trainer state exist; if a manifest exists, every file it lists has its recorded size and SHA-256;
     * both safetensors headers are valid and match their file sizes; the trainer state parses.
     *
     * @throws IOException naming the first problem found
     */
    public static void verify(Path checkpointDir) throws IOException {
        Path manifestFile = checkpointDir.resolve(MANIFEST_FILE);
        if (Files.exists(manifestFile)) {
            Manifest manifest;
            try {
                manifest = JSON.readValue(manifestFile.toFile(), Manifest.class);
            } catch (JsonProcessingException e) {
                throw new IOException(MANIFEST_FILE + " is not valid: " + e.getOriginalMessage());
            }
            if (manifest.files() == null) {
                throw new IOException(MANIFEST_FILE + " lists no files");
            }
            for (Map.Entry<String, FileEntry> e : manifest.files().entrySet()) {
                checkAgainstManifest(checkpointDir.resolve(e.getKey()), e.getValue());
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
            JSON.readValue(checkpointDir.resolve(STATE_FILE).toFile(), TrainerState.class);
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
        TrainerState state = Files.exists(st) ? JSON.readValue(st.toFile(), TrainerState.class)
                : new TrainerState(0, 0, 0, 0, Double.NaN, Map.of());
        return new Checkpoint(checkpointDir, params, meta, optimizer, state);
    }

    static String directoryName(long step) {
        return String.format("%s%07d", PREFIX, step);
    }

    private static void checkAgainstManifest(Path file, FileEntry expected) throws IOException {
        String name = file.getFileName().toString();
        if (!Files.isRegularFile(file)) {
            throw new IOException(name + " is missing (listed in " + MANIFEST_FILE + ")");
        }
        long size = Files.size(file);
        if (size != expected.bytes()) {
            throw new IOException(name + " has " + size + " bytes, " + MANIFEST_FILE + " records " + expected.bytes()
                    + " (truncated or torn write)");
        }
        if (!sha256(file).equals(expected.sha256())) {
            throw new IOException(name + " does not match its SHA-256 in " + MANIFEST_FILE + " (corrupted)");
        }
    }

    /** The manifest of every regular file in {@code directory}, by name. */
    private static Manifest manifestOf(Path directory) throws IOException {
        Map<String, FileEntry> files = new TreeMap<>();
        List<Path> regular;
        try (Stream<Path> s = Files.list(directory)) {
            regular = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : regular) {
            files.put(f.getFileName().toString(), new FileEntry(Files.size(f), sha256(f)));
        }
        return new Manifest(1, files);
    }

    private static void writeSynced(Path file, long step, FileBody body) throws IOException {
        FaultInjection.beforeCheckpointWrite(file.getFileName().toString(), step);
        body.writeTo(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
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

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buffer) >= 0) {
                digest.update(buffer.flip());
                buffer.clear();
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Deletes the oldest checkpoints beyond {@code keep_last}; a failure only warns, the new checkpoint is written. */
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
