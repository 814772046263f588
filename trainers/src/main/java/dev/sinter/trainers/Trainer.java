package dev.sinter.trainers;

import dev.sinter.framework.config.FullTrainerConfig;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.models.transformer.TransformerModel;

/**
 * A training method: decides which parameters train and how gradients are transformed, on top of the framework's
 * {@link dev.sinter.framework.train.TrainingLoop}. Chosen by {@code trainer.type} from a closed registry.
 */
public interface Trainer extends TrainingHooks {
    /** The registry name ({@code trainer.type}). */
    String type();

    /** Prepares the model before training (e.g. adds adapter parameters); the default does nothing. */
    default void prepare(TransformerModel model) {
    }

    /** The trainer for a config: the closed registry of methods. */
    static Trainer of(TrainerConfig config) {
        if (config instanceof FullTrainerConfig full) {
            return new FullTrainer(full);
        }
        throw new IllegalArgumentException("no trainer registered for type '" + config.type() + "'");
    }
}
