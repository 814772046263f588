package dev.sinter.framework.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes and finds checkpoints under {@code <run>/checkpoints/step-NNNNNNN/}: {@code model.safetensors} (HF names,
 * model config in its metadata), {@code optimizer.safetensors}, {@code trainer_state.json} and any extra files
 * (resolved config, tokenizer). Each is written into a temporary directory that is renamed into place, so a
 * directory named {@code step-*} is always complete; {@code keep_last} prunes the oldest.
 */
public final class CheckpointManager {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "trainer_state.json";
    private static final String PREFIX = "step-";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final Path dir;
    private final int keepLast;

    public CheckpointManager(Path checkpointsDir, int keepLast) {
        this.dir = checkpointsDir;
        this.keepLast = keepLast;
    }

    /** Writes a complete checkpoint atomically and prunes old ones; returns its directory. */
    public Path save(TrainerState state, Map<String, INDArray> parameters, Map<String, String> modelMetadata,
                     Map<String, INDArray> optimizer, Map<String, byte[]> extraFiles) {
        String name = String.format("%s%07d", PREFIX, state.step());
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        try {
            Files.createDirectories(dir);
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            writeModel(tmp, parameters, modelMetadata);
            SafetensorsIO.write(tmp.resolve(OPTIMIZER_FILE), optimizer, Map.of());
            JSON.writeValue(tmp.resolve(STATE_FILE).toFile(), state);
            for (Map.Entry<String, byte[]> f : extraFiles.entrySet()) {
                Files.write(tmp.resolve(f.getKey()), f.getValue());
            }
            deleteRecursively(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            prune();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code model.safetensors} alone (exported models). */
    public static void writeModel(Path directory, Map<String, INDArray> parameters, Map<String, String> metadata)
            throws IOException {
        SafetensorsIO.write(directory.resolve(MODEL_FILE), parameters, metadata);
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> latest() {
        return list().stream().reduce((a, b) -> b);
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(PREFIX))
                    .filter(p -> Files.exists(p.resolve(STATE_FILE)))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) {
            deleteRecursively(all.get(i));
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
