package dev.sinter.framework.train;

/** Observes a training run: metrics, progress, checkpoints, validation. */
public interface TrainingListener {
    /** After each optimizer step. */
    default void onStep(StepMetrics m) {
    }

    /** After a validation pass. */
    default void onValidation(long step, double valLoss) {
    }

    /**
     * After the last step (and its validation), before its checkpoint; a run resumed from that checkpoint does not
     * call it again.
     */
    default void onFinish(long step) {
    }
}
