package dev.sinter.trainers;

import dev.sinter.framework.train.StepGradients;

/**
 * Data-parallel training for a {@link TrainingRun} ({@link TrainingRun#distributeWith}): each training loop of the
 * run (one per {@link Phase}) gets its step gradients from the engine this returns, typically replicas of the loop's
 * model built elsewhere from {@link ReplicaSource#seedFiles} with {@link Replica#build}. The loop itself still averages,
 * clips and applies AdamW, validates and checkpoints.
 */
@FunctionalInterface
public interface DataParallel {
    /** The gradient engine of one training loop, whose model {@code source} describes. */
    StepGradients engine(ReplicaSource source);
}
