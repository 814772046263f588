/**
 * Results of an evaluation: {@code results.json} shaped like lm-evaluation-harness output, per-sample jsonl, an HTML
 * summary with a bar chart, and the Tribuo {@code LabelEvaluator} evaluation of the multiple-choice predictions.
 */
package dev.sinter.eval.results;
