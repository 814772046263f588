/** Sparse Matrix Tuning: block scoring and selection, the block-sparse projection, the trainer and its plots. */
package dev.sinter.trainers.smt;
