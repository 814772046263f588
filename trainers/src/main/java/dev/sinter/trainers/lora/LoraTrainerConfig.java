package dev.sinter.trainers.lora;

import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.trainers.TargetModules;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * Trainer {@code type: lora}: low-rank adapters {@code W + (alpha/r)·B·A} on the target projections; base weights
 * frozen (PEFT semantics: A Kaiming-uniform, B zero, dropout on the adapter input).
 *
 * @param rank    r
 * @param alpha   scaling numerator (scale = alpha / r)
 * @param dropout dropout probability on the adapter input during training, in [0, 1)
 * @param targets projections to adapt, any of q,k,v,o,gate,up,down
 */
public record LoraTrainerConfig(int rank, double alpha, double dropout, List<String> targets) implements TrainerConfig {
    public static final String TYPE = "lora";

    public LoraTrainerConfig {
        Checks.positive("rank", rank);
        Checks.positive("alpha", alpha);
        Checks.inRangeOpenHigh("dropout", dropout, 0, 1);
        targets = TargetModules.check("targets", targets);
    }

    /** Binds the YAML section; defaults: rank 8, alpha 16, dropout 0.05, targets [q, v] (PEFT's Llama default). */
    @JsonCreator
    public static LoraTrainerConfig of(@JsonProperty("rank") Integer rank, @JsonProperty("alpha") Double alpha,
                                       @JsonProperty("dropout") Double dropout,
                                       @JsonProperty("targets") List<String> targets) {
        return new LoraTrainerConfig(requireNonNullElse(rank, 8), requireNonNullElse(alpha, 16.0),
                requireNonNullElse(dropout, 0.05), requireNonNullElse(targets, List.of("q", "v")));
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** alpha / r. */
    public double scale() {
        return alpha / rank;
    }
}
