/**
 * {@code sinter eval --distributed}: the forward passes of zero-shot tasks and perplexity spread over workers, threads
 * of this JVM ({@link dev.sinter.distributed.eval.ThreadBatchScorer}) or Spark tasks
 * ({@link dev.sinter.distributed.eval.SparkBatchScorer}), with results identical to one process.
 */
package dev.sinter.distributed.eval;
