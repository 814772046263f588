/**
 * The training engine: {@link dev.sinter.framework.train.TrainingLoop} (accumulation, clipping, AdamW, schedule,
 * validation, NaN guard), the {@link dev.sinter.framework.train.TrainingHooks} methods plug into, and listeners.
 */
package dev.sinter.framework.train;
