package dev.sinter.trainers.norms;

import dev.sinter.framework.config.TrainerConfig;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNullElse;

/**
 * Trainer {@code type: norms}: only the normalisation layers train (their gains, and biases where the norm has
 * them), the rest of the model stays frozen. Registered from the trainers test module by {@link NormsPlugin}: the
 * method is real but small, and shows that a trainer outside the main code is bound, listed and contract-tested.
 *
 * @param finalNorm whether the final norm before the LM head ({@code model.norm}) trains too (default true)
 */
public record NormTrainerConfig(boolean finalNorm) implements TrainerConfig {
    public static final String TYPE = "norms";

    @JsonCreator
    public static NormTrainerConfig of(@JsonProperty("final_norm") Boolean finalNorm) {
        return new NormTrainerConfig(requireNonNullElse(finalNorm, true));
    }

    @Override
    public String type() {
        return TYPE;
    }
}
