package dev.sinter.trainers;

import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.family.Projection;
import dev.sinter.models.transformer.LinearLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training method on top of the framework's {@link dev.sinter.framework.train.TrainingLoop}, for a model of any
 * {@link dev.sinter.models.family.ModelFamily} its {@link TrainerType} supports: it chooses which parameters train
 * ({@link TrainingHooks}), how projections are formed ({@link #linearLayer}), what a checkpoint holds, its
 * {@link #phases()}, and the dense model it leaves behind. Chosen by {@code trainer.type} among the registered
 * {@link TrainerType}s ({@link #of}).
 */
public interface Trainer extends TrainingHooks {
    /** The registry name ({@code trainer.type}). */
    String type();

    /**
     * How the model's projections are built; called once, before the model is created.
     *
     * @param projections the targetable projections of the architecture about to be built (its family's role map)
     */
    default LinearLayer linearLayer(List<Projection> projections) {
        return LinearLayer.DENSE;
    }

    /** The decoder architecture this method imposes (Mixture-of-Students derives it from the teacher); default none. */
    default Optional<ModelConfig> architecture() {
        return Optional.empty();
    }

    /** Initialises a freshly built model before training (e.g. from a teacher); default keeps the seeded init. */
    default void initialise(FamilyModel model) {
    }

    /** What the loop trains: the model itself, or a view with the method's own loss (distillation). */
    default TrainableModel trainable(FamilyModel model) {
        return model;
    }

    /** The run's phases in order; the first starts at step 0. Default: one phase. */
    default List<Phase> phases() {
        return List.of(Phase.first("train"));
    }

    /** Method state saved in {@code trainer_state.json} (e.g. the distillation stage), string values. */
    default Map<String, String> stateExtras(long step) {
        return Map.of();
    }

    /** The tensors a checkpoint stores for this method (default: every model parameter). */
    default Map<String, INDArray> checkpointTensors(FamilyModel model) {
        return model.parameters();
    }

    /** Metadata of the checkpoint's {@code model.safetensors} (default: the model's own). */
    default Map<String, String> checkpointMetadata(FamilyModel model) {
        return model.metadata();
    }

    /** Extra files for a checkpoint (e.g. SMT's selection). */
    default Map<String, byte[]> checkpointFiles() {
        return Map.of();
    }

    /**
     * Loads a checkpoint into a freshly built model (of the first phase) and returns the model to continue with: the
     * model of the phase the checkpoint's step lies in.
     */
    default FamilyModel resume(FamilyModel model, Checkpoint cp) {
        model.loadParameters(cp.parameters(), cp.directory().toString());
        return model;
    }

    /** The optimizer state to restore from a checkpoint (default: all of it). */
    default Map<String, INDArray> optimizerState(Checkpoint cp) {
        return cp.optimizer();
    }

    /** Writes method-specific results into the run directory at the end (e.g. SMT's selection and plots). */
    default void writeArtifacts(Path runDir) throws IOException {
    }

    /** The plain dense model the run leaves behind (LoRA: merged; SMT: blocks written back). */
    default FamilyModel finalModel(FamilyModel trained) {
        return trained;
    }

    /** The trainer for a run: the registered type named by {@code trainer.type}. */
    static Trainer of(RunConfig run) {
        return TrainerType.registry().get(run.trainer().type()).create(run);
    }
}
