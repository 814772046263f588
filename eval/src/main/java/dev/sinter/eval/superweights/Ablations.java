package dev.sinter.eval.superweights;

import dev.sinter.eval.Evaluator;
import dev.sinter.eval.results.EvalResults;
import dev.sinter.eval.tasks.Task;
import dev.sinter.eval.tasks.TaskResult;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The paper's ablations (papers.md §1.4, §1.6) scored by the eval harness on any task list (zero-shot tasks,
 * perplexity files): original; prune the super weights; prune the largest weights of every layer matrix as the official
 * code does (super weights kept, {@link WeightEdit#pruneLargestOthers}); optionally prune as many random weights of
 * the same matrices ({@link WeightEdit#pruneRandom}, ours); prune the super weights but restore the super
 * activations (not for weights inside experts); and the scaling sweep.
 * Every edit is undone exactly after its evaluation.
 */
public final class Ablations {
    private static final Logger LOG = LogManager.getLogger(Ablations.class);
    /**
     * The paper's prune fraction of "prune non-SW" ({@code search_percentage_1e-6_0-32_all}); in a matrix smaller than
     * 1/p it prunes nothing, as the official code skips matrices where ⌊p·numel⌋ &lt; 1.
     */
    public static final double PAPER_PRUNE_FRACTION = 1e-6;
    /** The sensitivity script's factors (§1.6). */
    public static final List<Double> SCALES = List.of(0.0, 0.2, 0.5, 0.8, 1.0, 1.5, 2.0, 3.0);

    /** The condition name (before its seed) of the random baseline. */
    public static final String RANDOM_PRUNE = "prune random";

    /** One condition's metrics ({@code task.metric}, stderr omitted) and how many weights it changed. */
    public record Row(String condition, long weightsChanged, Map<String, Double> metrics, double seconds) {
    }

    /** The ablation table, the scaling sweep, and why a condition was left out (empty when none was). */
    public record Table(List<SuperWeight> superWeights, double pruneFraction, List<Row> conditions,
                        List<Row> scaling, List<String> notes) {
    }

    private final TransformerModel model;
    private final Tokenizer tokenizer;
    private final List<Task> tasks;
    private final int limit;
    private final int batchSize;

    public Ablations(TransformerModel model, Tokenizer tokenizer, List<Task> tasks, int limit, int batchSize) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.tasks = List.copyOf(tasks);
        this.limit = limit;
        this.batchSize = batchSize;
    }

    /** Scores the model as it is now under a condition name. */
    public Row score(String condition, long changed) throws IOException {
        return score(model, condition, changed);
    }

    /** Scores another model (a copy built from this one) under a condition name. */
    public Row score(TransformerModel m, String condition, long changed) throws IOException {
        EvalResults r = Evaluator.of(m, tokenizer, batchSize).limit(limit).progress(false).run(tasks);
        SameDiffRuntime.releaseMemory();
        Row row = new Row(condition, changed, flatten(r), r.seconds());
        LOG.info("{}: {}", condition, row.metrics());
        return row;
    }

    /** {@code task.metric} for every metric that is not a standard error. */
    public static Map<String, Double> flatten(EvalResults r) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (TaskResult t : r.tasks()) {
            t.metrics().forEach((k, v) -> {
                if (!k.endsWith("_stderr")) {
                    m.put(t.task() + "." + k, v);
                }
            });
        }
        return m;
    }

    /**
     * Runs every condition and the sweep.
     *
     * @param pruneFraction p of "prune non-SW" ({@link #PAPER_PRUNE_FRACTION}; small models need more to touch any
     *                      weight)
     * @param scales        factors of the sweep (empty: no sweep)
     * @param randomSeed    seed of the "prune random" row (as many random weights of the same matrices); empty: no
     *                      such row
     */
    public Table run(List<SuperWeight> sws, double pruneFraction, List<Double> scales,
                     OptionalLong randomSeed) throws IOException {
        if (sws.isEmpty()) {
            throw new IllegalArgumentException("no super weights to ablate; run the detector first or pass"
                    + " --super-weight L,ROW,COL");
        }
        sws.forEach(s -> s.check(model.config()));
        List<SuperWeight> valued = WeightEdit.withCurrentValues(model, sws);
        List<Row> rows = new ArrayList<>();
        rows.add(score("original", 0));
        try (WeightEdit e = new WeightEdit(model).prune(valued)) {
            rows.add(score("prune SW", e.size()));
        }
        try (WeightEdit e = new WeightEdit(model)) {
            long n = e.pruneLargestOthers(pruneFraction, valued);
            rows.add(score("prune non-SW (top " + pruneFraction + " per matrix)", n));
        }
        if (randomSeed.isPresent()) {
            try (WeightEdit e = new WeightEdit(model)) {
                long n = e.pruneRandom(valued, new Random(randomSeed.getAsLong()));
                rows.add(score(RANDOM_PRUNE + " (seed " + randomSeed.getAsLong() + ")", n));
            }
        }
        List<String> notes = new ArrayList<>();
        List<SuperWeight> inExperts = valued.stream().filter(s -> s.site() == SuperWeight.Site.EXPERT).toList();
        if (inExperts.isEmpty()) {
            TransformerModel restored = SuperActivationRestore.build(model, valued);
            rows.add(score(restored, "prune SW, +SA", valued.size()));
        } else {
            notes.add("prune SW, +SA left out: restoring a super activation inside an expert is not supported ("
                    + String.join(", ", inExperts.stream().map(SuperWeight::coordinate).toList()) + ")");
        }
        List<Row> sweep = new ArrayList<>();
        for (double s : scales) {
            try (WeightEdit e = new WeightEdit(model).scale(valued, s)) {
                sweep.add(score("scale SW ×" + s, e.size()));
            }
        }
        return new Table(valued, pruneFraction, rows, sweep, notes);
    }
}
