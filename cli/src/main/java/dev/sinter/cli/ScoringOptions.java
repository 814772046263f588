package dev.sinter.cli;

import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.tasks.PerplexityTask;
import dev.sinter.eval.tasks.Task;
import dev.sinter.eval.tasks.Tasks;
import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code --tasks}/{@code --perplexity}/{@code --limit}/{@code --batch-size}/{@code --data-dir} options of the
 * commands that score a model in several conditions (ablations, quantization tables); picocli mixin.
 */
final class ScoringOptions {
    @Option(names = "--tasks", paramLabel = "a,b,c", description = "tasks scored in every condition")
    String tasks;

    @Option(names = "--perplexity", paramLabel = "FILE", description = "text file scored in every condition")
    Path perplexity;

    @Option(names = "--limit", defaultValue = "0", description = "items per task (0 = all)")
    int limit;

    @Option(names = "--batch-size", defaultValue = "16")
    int batchSize;

    @Mixin
    DataDirOption data;

    /** True when tasks or a perplexity file were given. */
    boolean given() {
        return tasks != null || perplexity != null;
    }

    /**
     * A scorer of the model over the given tasks and perplexity file.
     *
     * @param needs what requires them, for the error when neither was given
     */
    Ablations scorer(ModelAndTokenizer mt, String needs) throws IOException {
        return new Ablations(mt.model(), mt.tokenizer(), tasks(needs), limit, batchSize);
    }

    /** The given tasks, limit and batch size ({@code needs}: what requires them, for the error when none is given). */
    SuperWeightAnalysis.Scoring scoring(String needs) throws IOException {
        return new SuperWeightAnalysis.Scoring(tasks(needs), limit, batchSize);
    }

    private List<Task> tasks(String needs) throws IOException {
        List<Task> ts = new ArrayList<>();
        if (tasks != null) {
            ts.addAll(Tasks.parse(tasks, data.dir()));
        }
        if (perplexity != null) {
            if (!Files.isRegularFile(perplexity)) {
                throw new UsageException("--perplexity: file not found: " + perplexity.toAbsolutePath());
            }
            ts.add(PerplexityTask.of(perplexity));
        }
        if (ts.isEmpty()) {
            throw new UsageException(needs + " need --tasks and/or --perplexity");
        }
        return ts;
    }
}
