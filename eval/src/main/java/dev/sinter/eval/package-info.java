/**
 * Evaluation of language models: the {@link dev.sinter.eval.Evaluator} facade (the code path of {@code sinter eval}),
 * with the model contract in {@code lm}, tasks in {@code tasks}, aggregations in {@code metrics}, output files in
 * {@code results} and training-run reports in {@code report}.
 */
package dev.sinter.eval;
