package dev.sinter.trainers.kd;

import dev.sinter.framework.config.Checks;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNullElse;

/**
 * One stage of a distillation schedule: applies to steps up to and including {@code untilStep} (null = to the end).
 *
 * @param untilStep   last step of the stage, or null for the final open-ended stage
 * @param kdWeight    multiplier of the KD term in this stage (0 = KD off: the teacher is not run)
 * @param temperature softmax temperature T of this stage, or null for the trainer's temperature
 */
public record KdStage(Integer untilStep, double kdWeight, Double temperature) {
    public KdStage {
        if (untilStep != null) {
            Checks.positive("until_step", untilStep);
        }
        Checks.nonNegative("kd_weight", kdWeight);
        if (temperature != null) {
            Checks.positive("temperature", temperature);
        }
    }

    @JsonCreator
    public static KdStage of(@JsonProperty("until_step") Integer untilStep, @JsonProperty("kd_weight") Double kdWeight,
                             @JsonProperty("temperature") Double temperature) {
        return new KdStage(untilStep, requireNonNullElse(kdWeight, 1.0), temperature);
    }
}
