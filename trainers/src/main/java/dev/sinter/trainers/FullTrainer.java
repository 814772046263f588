package dev.sinter.trainers;

import dev.sinter.trainers.FullTrainerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.train.TrainableModel;
import java.util.List;

/** Full fine-tuning: every parameter trains, or those matching {@code trainer.trainable} regexes. */
public final class FullTrainer implements Trainer {
    private final FullTrainerConfig config;

    public FullTrainer(FullTrainerConfig config) {
        this.config = config;
    }

    @Override
    public String type() {
        return "full";
    }

    @Override
    public List<String> trainableParameters(TrainableModel model) {
        List<String> names = model.parameterNames().stream().filter(config::trains).toList();
        if (names.isEmpty()) {
            throw new UsageException("trainer.trainable " + config.trainable()
                    + " matches no parameter; parameter names look like " + model.parameterNames().get(0));
        }
        return names;
    }
}
