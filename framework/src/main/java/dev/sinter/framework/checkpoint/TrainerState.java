package dev.sinter.framework.checkpoint;

import java.util.Map;

/**
 * Where a run stands, saved as {@code trainer_state.json}: enough to continue exactly.
 *
 * @param step               optimizer steps taken
 * @param samplerCursor      training windows consumed (the data cursor)
 * @param tokensSeen         training tokens consumed
 * @param seed               the run's seed
 * @param lastValidationLoss latest validation loss (NaN if none yet)
 * @param extra              method-specific state (e.g. a distillation stage), string values
 */
public record TrainerState(long step, long samplerCursor, long tokensSeen, long seed, double lastValidationLoss,
                           Map<String, String> extra) {
    public TrainerState {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }
}
