package dev.sinter.trainers;

import dev.sinter.models.config.ModelConfig;

import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.models.transformer.TransformerModel;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training method on top of the framework's {@link dev.sinter.framework.train.TrainingLoop}: it chooses which
 * parameters train ({@link TrainingHooks}), how projections are formed ({@link #linearLayer()}), what a checkpoint
 * holds, and the dense model it leaves behind. A method may switch the model once mid-run (SMT after its warm-up).
 * Chosen by {@code trainer.type} among the registered {@link TrainerType}s ({@link #of}).
 */
public interface Trainer extends TrainingHooks {
    /** The registry name ({@code trainer.type}). */
    String type();

    /** How the model's projections are built; called once, before the model is created. */
    default LinearLayer linearLayer() {
        return LinearLayer.DENSE;
    }

    /** The architecture this method imposes (Mixture-of-Students derives it from the teacher); default none. */
    default java.util.Optional<dev.sinter.models.config.ModelConfig> architecture() {
        return java.util.Optional.empty();
    }

    /** Initialises a freshly built model before training (e.g. from a teacher); default keeps the seeded init. */
    default void initialise(TransformerModel model) {
    }

    /** What the loop trains: the model itself, or a view with the method's own loss (distillation). */
    default TrainableModel trainable(TransformerModel model) {
        return model;
    }

    /** Method state saved in {@code trainer_state.json} (e.g. the distillation stage), string values. */
    default Map<String, String> stateExtras(long step) {
        return Map.of();
    }

    /** The tensors a checkpoint stores for this method (default: every model parameter). */
    default Map<String, INDArray> checkpointTensors(TransformerModel model) {
        return model.parameters();
    }

    /** Metadata of the checkpoint's {@code model.safetensors} (default: the model config). */
    default Map<String, String> checkpointMetadata(TransformerModel model) {
        return ModelIO.metadata(model.config());
    }

    /** Extra files for a checkpoint (e.g. SMT's selection). */
    default Map<String, byte[]> checkpointFiles() {
        return Map.of();
    }

    /** Loads a checkpoint into a freshly built model and returns the model to continue with. */
    default TransformerModel resume(TransformerModel model, Checkpoint cp) {
        model.loadParameters(cp.parameters(), cp.directory().toString());
        return model;
    }

    /** The optimizer state to restore from a checkpoint (default: all of it). */
    default Map<String, INDArray> optimizerState(Checkpoint cp) {
        return cp.optimizer();
    }

    /** Writes method-specific results into the run directory at the end (e.g. SMT's selection and plots). */
    default void writeArtifacts(java.nio.file.Path runDir) throws java.io.IOException {
    }

    /** The step after which {@link #switchModel} is called (default: never). */
    default long switchStep() {
        return Long.MAX_VALUE;
    }

    /** Replaces the model after {@link #switchStep()} steps (SMT: the block-sparse model). */
    default TransformerModel switchModel(TransformerModel model) {
        throw new UnsupportedOperationException(type() + " does not switch models");
    }

    /** The plain dense model the run leaves behind (LoRA: merged; SMT: blocks written back). */
    default TransformerModel finalModel(TransformerModel trained) {
        return trained;
    }

    /** The trainer for a run: the registered type named by {@code trainer.type}. */
    static Trainer of(RunConfig run) {
        return TrainerType.registry().get(run.trainer().type()).create(run);
    }
}
