/**
 * Training methods behind one {@link dev.sinter.trainers.Trainer} interface (closed registry by
 * {@code trainer.type}), and {@link dev.sinter.trainers.TrainingRun}, which runs a configured job end to end.
 */
package dev.sinter.trainers;
