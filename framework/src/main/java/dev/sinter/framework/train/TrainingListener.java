package dev.sinter.framework.train;

/** Observes a training run: metrics, progress, checkpoints, validation. */
public interface TrainingListener {
    /** After each optimizer step. */
    default void onStep(StepMetrics m) {
    }

    /** After a validation pass. */
    default void onValidation(long step, double valLoss) {
    }

    /** When the loop has finished all steps. */
    default void onFinish(long step) {
    }
}
