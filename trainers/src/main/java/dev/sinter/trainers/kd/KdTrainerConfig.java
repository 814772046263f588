package dev.sinter.trainers.kd;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * Trainer {@code type: kd}: knowledge distillation from a frozen teacher into the configured student, with an
 * optional staged schedule (papers.md §3.3: KD switched off part-way).
 *
 * @param kd the distillation settings
 */
public record KdTrainerConfig(@JsonIgnore KdSettings kd) implements DistillationConfig {
    public static final String TYPE = "kd";

    /** Binds the YAML section; defaults: temperature 1, beta 1 (add form), KD throughout. */
    @JsonCreator
    public static KdTrainerConfig of(@JsonProperty("teacher") String teacher,
                                     @JsonProperty("temperature") Double temperature,
                                     @JsonProperty("beta") Double beta, @JsonProperty("alpha") Double alpha,
                                     @JsonProperty("stages") List<KdStage> stages) {
        return new KdTrainerConfig(new KdSettings(teacher, requireNonNullElse(temperature, 1.0), beta, alpha, stages));
    }

    @Override
    public String type() {
        return TYPE;
    }
}
