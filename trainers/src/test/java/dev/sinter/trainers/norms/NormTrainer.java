package dev.sinter.trainers.norms;

import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.trainers.Trainer;
import java.util.List;

/** Norm tuning: trains the per-layer norms (and the final norm unless switched off), nothing else. */
public final class NormTrainer implements Trainer {
    private final NormTrainerConfig config;

    public NormTrainer(NormTrainerConfig config) {
        this.config = config;
    }

    @Override
    public String type() {
        return NormTrainerConfig.TYPE;
    }

    @Override
    public List<String> trainableParameters(TrainableModel model) {
        return model.parameterNames().stream().filter(this::trains).toList();
    }

    /** {@code model.layers.{i}.*_layernorm.*}, and {@code model.norm.*} when {@code final_norm} is set. */
    boolean trains(String parameter) {
        boolean layerNorm = parameter.startsWith("model.layers.") && parameter.contains("_layernorm.");
        return layerNorm || config.finalNorm() && parameter.startsWith(ParameterNames.FINAL_NORM + ".");
    }
}
