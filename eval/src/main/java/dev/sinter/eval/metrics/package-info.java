/** Aggregations of per-item scores as lm-evaluation-harness computes them: means, standard errors, perplexities. */
package dev.sinter.eval.metrics;
