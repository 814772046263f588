package dev.sinter.trainers;

import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.checkpoint.TrainerState;
import dev.sinter.models.family.FamilyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a {@link DataParallel} engine needs to replicate one training loop's model: the run's config, a checkpoint of
 * the model as it is now ({@link #seedFiles}; {@link Replica#build} resumes from it exactly as a restarted run would,
 * so every trainer's phase state, e.g. SMT's block selection, comes along), and the live arrays of its variables.
 */
public final class ReplicaSource {
    private final RunConfig config;
    private final Trainer trainer;
    private final FamilyModel model;

    ReplicaSource(RunConfig config, Trainer trainer, FamilyModel model) {
        this.config = config;
        this.trainer = trainer;
        this.model = model;
    }

    public RunConfig config() {
        return config;
    }

    /**
     * The files of a checkpoint of the model at {@code step} (model tensors, the trainer's files and state; no
     * optimizer state, which stays with the driver's loop), by file name.
     */
    public Map<String, byte[]> seedFiles(long step) {
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("sinter-replica-seed");
            Map<String, String> extras = new LinkedHashMap<>(trainer.stateExtras(step));
            extras.put("trainer", trainer.type());
            Path dir = new CheckpointManager(tmp, 1).save(
                    new TrainerState(step, 0, 0, config.seed(), Double.NaN, extras),
                    trainer.checkpointTensors(model), trainer.checkpointMetadata(model), Map.of(),
                    trainer.checkpointFiles());
            Map<String, byte[]> files = new LinkedHashMap<>();
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.sorted().toList()) {
                    files.put(f.getFileName().toString(), Files.readAllBytes(f));
                }
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the replicas' seed checkpoint: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                Replica.deleteQuietly(tmp);
            }
        }
    }

    /** The live arrays of the named graph variables (the loop's trainable ones), in {@code names} order. */
    public Map<String, INDArray> arrays(List<String> names) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, model.graph().getVariable(n).getArr());
        }
        return out;
    }
}
