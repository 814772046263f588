package dev.sinter.eval;

import dev.sinter.eval.lm.BatchScorer;
import dev.sinter.eval.lm.LanguageModel;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.lm.SinterLanguageModel;
import dev.sinter.eval.results.EvalResults;
import dev.sinter.eval.tasks.Task;
import dev.sinter.eval.tasks.TaskResult;
import dev.sinter.eval.tasks.Tasks;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs zero-shot tasks on a model: the facade over the code {@code sinter eval} runs.
 *
 * <pre>{@code
 * EvalResults r = Evaluator.of(model, tokenizer).limit(200).run(Tasks.parse("arc_easy,piqa", Tasks.defaultDataDir()));
 * ResultsWriter.write(r, Path.of("runs/eval"));
 * }</pre>
 * A progress bar (on a terminal; log lines otherwise) follows the scoring of each task.
 */
public final class Evaluator {
    private static final Logger LOG = LogManager.getLogger(Evaluator.class);
    /** Default sequences per forward pass. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    private final LanguageModel lm;
    private final Map<String, Object> config = new LinkedHashMap<>();
    private int limit;
    private boolean progress = true;

    private Evaluator(LanguageModel lm) {
        this.lm = lm;
    }

    /** An evaluator over a Sinter model with the default batch size. */
    public static Evaluator of(TransformerModel model, Tokenizer tokenizer) {
        return of(model, tokenizer, DEFAULT_BATCH_SIZE);
    }

    /** An evaluator over a Sinter model. */
    public static Evaluator of(TransformerModel model, Tokenizer tokenizer, int batchSize) {
        return of(model, tokenizer, batchSize, null);
    }

    /**
     * An evaluator over a Sinter model whose forward passes run on {@code scorer} (e.g. Spark workers), with results
     * identical to {@link #of(TransformerModel, Tokenizer, int)}.
     */
    public static Evaluator of(TransformerModel model, Tokenizer tokenizer, int batchSize, BatchScorer scorer) {
        Evaluator e = new Evaluator(new SinterLanguageModel(model, tokenizer, batchSize, scorer));
        e.config.put("batch_size", batchSize);
        return e;
    }

    /** An evaluator over any {@link LanguageModel}. */
    public static Evaluator of(LanguageModel lm) {
        return new Evaluator(lm);
    }

    /** Scores only the first {@code n} items of each task ({@code n <= 0}: all). */
    public Evaluator limit(int n) {
        this.limit = n;
        return this;
    }

    /** Whether to show progress (default true). */
    public Evaluator progress(boolean on) {
        this.progress = on;
        return this;
    }

    /** Adds an entry to results.json's {@code config} (e.g. the model path). */
    public Evaluator config(String key, Object value) {
        config.put(key, value);
        return this;
    }

    /** Runs registered tasks (or {@code zero_shot}, YAML task files) by name over {@link Tasks#defaultDataDir()}. */
    public EvalResults run(String... taskNames) throws IOException {
        return run(Tasks.parse(String.join(",", taskNames), Tasks.defaultDataDir()));
    }

    /** Runs the tasks in order. */
    public EvalResults run(List<Task> tasks) throws IOException {
        long t0 = System.nanoTime();
        List<TaskResult> out = new ArrayList<>();
        for (Task t : tasks) {
            long s = System.nanoTime();
            try (Bar bar = new Bar(t.name(), progress)) {
                out.add(t.evaluate(lm, limit, bar));
            }
            LOG.info("{}: {} ({} s)", t.name(), out.get(out.size() - 1).metrics(),
                    String.format("%.1f", (System.nanoTime() - s) / 1e9));
        }
        Map<String, Object> cfg = new LinkedHashMap<>(config);
        cfg.put("model", lm.describe());
        cfg.put("limit", limit > 0 ? limit : null);
        cfg.put("num_fewshot", 0);
        return new EvalResults(lm.describe(), cfg, out, (System.nanoTime() - t0) / 1e9);
    }

    /** A progress bar on a terminal, else a log line per ~10% of the work. */
    private static final class Bar implements Progress, AutoCloseable {
        private final String task;
        private final boolean on;
        private ProgressBar bar;
        private long total;
        private long done;
        private long nextLog;

        Bar(String task, boolean on) {
            this.task = task;
            this.on = on;
        }

        @Override
        public void total(long units) {
            total = units;
            nextLog = Math.max(1, units / 10);
            if (on && System.console() != null) {
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(units).setStyle(ProgressBarStyle.ASCII)
                        .setUnit(" req", 1).build();
            }
        }

        @Override
        public void advance(long units) {
            done += units;
            if (bar != null) {
                bar.stepTo(done);
            } else if (on && done >= nextLog) {
                LOG.info("{}: {}/{} requests scored", task, done, total);
                nextLog = done + Math.max(1, total / 10);
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
