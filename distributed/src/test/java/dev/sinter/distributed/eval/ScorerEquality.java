package dev.sinter.distributed.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sinter.eval.Evaluator;
import dev.sinter.eval.lm.BatchScorer;
import dev.sinter.eval.results.EvalResults;
import dev.sinter.eval.tasks.PerplexityTask;
import dev.sinter.eval.tasks.Task;
import dev.sinter.eval.tasks.TaskResult;
import dev.sinter.eval.tasks.Tasks;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The check every distributed scorer passes: zero-shot tasks and perplexity score exactly as in one process. */
final class ScorerEquality {
    private ScorerEquality() {
    }

    /**
     * Runs arc_easy, copa, lambada_openai (5 items each) and the perplexity of a TinyStories excerpt in one process
     * and through {@code scorer}, and asserts equal metrics, samples, item counts and log-likelihoods, bit for bit.
     */
    static void zeroShotTasksAndPerplexityMatchOneProcess(Path tmp, TransformerModel model, Tokenizer tok,
                                                          BatchScorer scorer) throws IOException {
        Path text = Files.writeString(tmp.resolve("story.txt"), Files.readString(
                TestData.fixture("corpora/tinystories_sample.txt")).substring(0, 1500));
        List<Task> tasks = new ArrayList<>(Tasks.parse("arc_easy,copa,lambada_openai", TestData.root()));
        tasks.add(PerplexityTask.of(text));
        EvalResults one = Evaluator.of(model, tok, 4).limit(5).progress(false).run(tasks);
        EvalResults spread = Evaluator.of(model, tok, 4, scorer).limit(5).progress(false).run(tasks);
        assertEquals(one.tasks().size(), spread.tasks().size());
        for (int i = 0; i < one.tasks().size(); i++) {
            TaskResult a = one.tasks().get(i);
            TaskResult b = spread.tasks().get(i);
            assertEquals(a.metrics(), b.metrics(), a.task());
            // samples hold arrays: compared as JSON, whose doubles round-trip exactly
            assertEquals(Json.write(a.samples()), Json.write(b.samples()), a.task());
            assertEquals(a.nEffective(), b.nEffective());
            for (int k = 0; a.outcomes() != null && k < a.outcomes().size(); k++) {
                assertArrayEquals(a.outcomes().get(k).logliks(), b.outcomes().get(k).logliks(), 0.0);
            }
        }
        assertEquals(5, one.tasks().get(0).nEffective());
    }
}
