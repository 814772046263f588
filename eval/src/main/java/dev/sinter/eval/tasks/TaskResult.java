package dev.sinter.eval.tasks;

import java.util.List;
import java.util.Map;

/**
 * What a task produced.
 *
 * @param metrics    lm-eval-style metric names to values ({@code acc}, {@code acc_stderr}, …), in report order
 * @param chance     the expected accuracy of uniform guessing (mean of 1/#choices), NaN when not a classification
 * @param samples    one JSON-serializable map per scored item (the per-sample jsonl)
 * @param outcomes   per multiple-choice item: the choices' scores and the gold index (for the Tribuo evaluation);
 *                   empty for other tasks
 */
public record TaskResult(String task, int version, int nOriginal, int nEffective, Map<String, Double> metrics,
                         double chance, List<Map<String, Object>> samples, List<ChoiceOutcome> outcomes) {

    /**
     * One multiple-choice item: {@code labels} name the choices (the choice text when every item of the task has the
     * same choices, e.g. BoolQ's no/yes, else the choice index), {@code logliks} are the summed log-likelihoods and
     * {@code normalized} the length-normalized ones (null under partial scoring).
     */
    public record ChoiceOutcome(List<String> labels, double[] logliks, double[] normalized, int gold) {
    }
}
