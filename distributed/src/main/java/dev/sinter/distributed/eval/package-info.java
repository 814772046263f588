/**
 * {@code sinter eval} on Spark: the forward passes of zero-shot tasks and perplexity spread over workers, with results
 * identical to one process.
 */
package dev.sinter.distributed.eval;
