package dev.sinter.eval.tasks;

import dev.sinter.eval.lm.LanguageModel;
import dev.sinter.eval.lm.Progress;
import java.io.IOException;

/** A zero-shot task: loads its items, scores them with a {@link LanguageModel} and aggregates the metrics. */
public interface Task {
    /** The name used on the command line and as the key in results.json. */
    String name();

    /** Bumped whenever the prompt or scoring changes, so results of different versions are not compared. */
    int version();

    /**
     * Scores the first {@code limit} items ({@code limit <= 0}: all of them).
     *
     * @throws IOException if the data cannot be read; a malformed item is an {@link IllegalArgumentException} naming
     *                     the file and the line
     */
    TaskResult evaluate(LanguageModel lm, int limit, Progress progress) throws IOException;
}
