package dev.sinter.eval.results;

import dev.sinter.eval.tasks.TaskResult;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one evaluation run.
 *
 * @param model   a description of the model (path, parameters, tokenizer)
 * @param config  the run settings (batch size, limit, …) as written to results.json's {@code config}
 * @param tasks   one result per task, in the order run
 * @param seconds wall time of the whole evaluation
 */
public record EvalResults(String model, Map<String, Object> config, List<TaskResult> tasks, double seconds) {
    /** The result of the named task. */
    public TaskResult task(String name) {
        return tasks.stream().filter(t -> t.task().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no result for task '" + name + "'"));
    }
}
