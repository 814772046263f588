package dev.sinter.trainers;

import dev.sinter.framework.train.LearningRateSchedule;
import dev.sinter.models.family.FamilyModel;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One stretch of a training run with its own model graph, trainable set and optimizer state. A {@link Trainer}
 * declares its phases in order ({@link Trainer#phases()}); the first starts at step 0 with the model as built, and
 * {@link TrainingRun} enters each later one when its {@code start} step is reached: the loop stops, {@code enter}
 * replaces the model (SMT: the block-sparse model after the warm-up), and a fresh loop continues at the same step,
 * data position and validation loss with a fresh optimizer.
 *
 * @param name     for logs ({@code warmup}, {@code sparse}, …)
 * @param start    the step at which the phase begins (0 for the first)
 * @param enter    builds the phase's model from the previous phase's trained model
 * @param schedule null: the run's learning-rate schedule continues through the phase; otherwise the phase restarts
 *                 the schedule (step {@code start + 1 + k} trains with {@code schedule.at(k)}, a PyTorch scheduler's
 *                 count from 0) and AdamW's step count, as a new optimizer and scheduler would
 */
public record Phase(String name, long start, UnaryOperator<FamilyModel> enter, LearningRateSchedule schedule) {
    public Phase {
        if (start < 0) {
            throw new IllegalArgumentException("phase " + name + " starts at step " + start + "; steps start at 0");
        }
    }

    /** A phase through which the run's schedule continues. */
    public Phase(String name, long start, UnaryOperator<FamilyModel> enter) {
        this(name, start, enter, null);
    }

    /** The first phase: from step 0 on the model as built. */
    public static Phase first(String name) {
        return new Phase(name, 0, UnaryOperator.identity());
    }

    /** The phase a step's training belongs to: the last one starting at or before {@code step}. */
    public static Phase at(List<Phase> phases, long step) {
        Phase current = phases.get(0);
        for (Phase p : phases) {
            if (p.start() <= step) {
                current = p;
            }
        }
        return current;
    }
}
