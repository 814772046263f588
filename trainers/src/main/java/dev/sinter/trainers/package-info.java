/**
 * Training methods behind one {@link dev.sinter.trainers.Trainer} interface (registered {@link
 * dev.sinter.trainers.TrainerType}s, for any model family they support, in explicit {@link dev.sinter.trainers.Phase}s),
 * and {@link dev.sinter.trainers.TrainingRun}, which runs a configured job end to end on its
 * {@link dev.sinter.trainers.TrainingTask} (language modelling, or a registered task type).
 */
package dev.sinter.trainers;
