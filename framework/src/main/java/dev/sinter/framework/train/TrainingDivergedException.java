package dev.sinter.framework.train;

/** Thrown when the loss or the gradient norm stops being finite; the last good checkpoint is left untouched. */
public class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
