package dev.sinter.encoders.continual;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.trainers.FullTrainerConfig;

import static java.util.Objects.requireNonNullElse;

/**
 * The fine-tuning baselines, which need no prompts: {@code sequential} (one shared classifier fine-tuned on each task
 * in turn, the lower bound) and {@code joint} (retrained from the base encoder on every task seen so far, the upper
 * bound). Each task is an ordinary classification training run of the engine with {@code trainer}.
 */
public sealed interface FineTuneMethodConfig extends ContinualMethodConfig {
    /** How each task's run trains the encoder: a registered trainer supporting the encoder family. */
    TrainerConfig trainer();

    /** Whether each task retrains from the base on all data seen so far ({@code joint}). */
    boolean joint();

    /**
     * Method {@code type: sequential}.
     *
     * @param trainer the trainer of each task's run (default {@code {type: full}}; e.g. {@code {type: lora, rank: 8}})
     */
    record Sequential(TrainerConfig trainer) implements FineTuneMethodConfig {
        public static final String TYPE = "sequential";

        @JsonCreator
        public static Sequential of(@JsonProperty("trainer") TrainerConfig trainer) {
            return new Sequential(requireNonNullElse(trainer, new FullTrainerConfig(null)));
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public boolean joint() {
            return false;
        }
    }

    /**
     * Method {@code type: joint}.
     *
     * @param trainer the trainer of each task's run (default {@code {type: full}})
     */
    record Joint(TrainerConfig trainer) implements FineTuneMethodConfig {
        public static final String TYPE = "joint";

        @JsonCreator
        public static Joint of(@JsonProperty("trainer") TrainerConfig trainer) {
            return new Joint(requireNonNullElse(trainer, new FullTrainerConfig(null)));
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public boolean joint() {
            return true;
        }
    }
}
