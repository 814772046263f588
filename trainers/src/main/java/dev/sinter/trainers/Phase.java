package dev.sinter.trainers;

import dev.sinter.models.family.FamilyModel;
import java.util.function.UnaryOperator;

/**
 * One stretch of a training run with its own model graph, trainable set and optimizer state. A {@link Trainer}
 * declares its phases in order ({@link Trainer#phases()}); the first starts at step 0 with the model as built, and
 * {@link TrainingRun} enters each later one when its {@code start} step is reached: the loop stops, {@code enter}
 * replaces the model (SMT: the block-sparse model after the warm-up), and a fresh loop continues at the same step,
 * data position and validation loss with a fresh optimizer.
 *
 * @param name  for logs ({@code warmup}, {@code sparse}, …)
 * @param start the step at which the phase begins (0 for the first)
 * @param enter builds the phase's model from the previous phase's trained model
 */
public record Phase(String name, long start, UnaryOperator<FamilyModel> enter) {
    public Phase {
        if (start < 0) {
            throw new IllegalArgumentException("phase " + name + " starts at step " + start + "; steps start at 0");
        }
    }

    /** The first phase: from step 0 on the model as built. */
    public static Phase first(String name) {
        return new Phase(name, 0, UnaryOperator.identity());
    }
}
