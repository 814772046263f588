package dev.sinter.trainers.kd;

import dev.sinter.framework.config.TrainerConfig;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Trainer configs that distil from a teacher ({@code kd}, {@code mos}): their shared settings, flat in YAML. */
public sealed interface DistillationConfig extends TrainerConfig permits KdTrainerConfig, MosTrainerConfig {
    /** The distillation settings (written to YAML flat, through the accessors below). */
    @JsonIgnore
    KdSettings kd();

    @JsonProperty("teacher")
    default String teacher() {
        return kd().teacher();
    }

    @JsonProperty("temperature")
    default double temperature() {
        return kd().temperature();
    }

    @JsonProperty("beta")
    default Double beta() {
        return kd().beta();
    }

    @JsonProperty("alpha")
    default Double alpha() {
        return kd().alpha();
    }

    @JsonProperty("stages")
    default List<KdStage> stages() {
        return kd().stages();
    }
}
