package dev.sinter.eval.tasks;

import dev.sinter.eval.lm.LanguageModel;
import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.LanguageModel.Request;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.metrics.Metrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared multiple-choice core, scored as lm-evaluation-harness does:
 * <ul>
 *   <li>{@code acc}: the choice whose continuation has the highest summed log-likelihood is the prediction (the
 *       first one on ties);</li>
 *   <li>{@code acc_norm}: the same after dividing each log-likelihood by the length in characters of the choice
 *       text (without the delimiter before it);</li>
 *   <li>partial scoring (WinoGrande, WSC): every choice is a different context followed by the same continuation,
 *       and only the continuation is scored; {@code acc_norm} is not reported since the continuation is shared;</li>
 *   <li>standard errors are lm-eval's {@code mean_stderr} of the per-item 0/1 scores.</li>
 * </ul>
 */
public final class MultipleChoiceTask implements Task {
    /**
     * One item.
     *
     * @param requests one (context, continuation) per choice
     * @param choices  the choice texts (acc_norm lengths and labels); under partial scoring the context options
     * @param gold     index of the right choice
     * @param partial  whether the continuation is shared (partial scoring)
     */
    public record Item(List<Request> requests, List<String> choices, int gold, boolean partial) {
        public Item {
            if (requests.size() != choices.size() || requests.size() < 2) {
                throw new IllegalArgumentException("an item needs >= 2 choices with one request each, got "
                        + choices.size() + " choices and " + requests.size() + " requests");
            }
            if (gold < 0 || gold >= choices.size()) {
                throw new IllegalArgumentException("gold index " + gold + " is outside 0.." + (choices.size() - 1));
            }
        }

        /** A query followed by each choice: context {@code query}, continuation {@code delimiter + choice}. */
        public static Item of(String query, List<String> choices, int gold, String delimiter) {
            List<Request> rs = new ArrayList<>();
            for (String c : choices) {
                rs.add(new Request(query, join(delimiter, c)));
            }
            return new Item(rs, choices, gold, false);
        }

        /** Partial scoring: each context option followed by the shared continuation. */
        public static Item partial(List<String> contextOptions, String continuation, int gold, String delimiter) {
            List<Request> rs = new ArrayList<>();
            for (String ctx : contextOptions) {
                rs.add(new Request(ctx, join(delimiter, continuation)));
            }
            return new Item(rs, contextOptions, gold, true);
        }

        /** The delimiter goes before the text unless the text already starts with whitespace (llm-foundry). */
        static String join(String delimiter, String text) {
            return !text.isEmpty() && Character.isWhitespace(text.charAt(0)) ? text : delimiter + text;
        }
    }

    /** Loads every item of a task. */
    @FunctionalInterface
    public interface ItemSource {
        List<Item> load() throws IOException;
    }

    private final String name;
    private final int version;
    private final ItemSource source;

    public MultipleChoiceTask(String name, int version, ItemSource source) {
        this.name = name;
        this.version = version;
        this.source = source;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int version() {
        return version;
    }

    /** Every item, in file order. */
    public List<Item> items() throws IOException {
        return source.load();
    }

    @Override
    public TaskResult evaluate(LanguageModel lm, int limit, Progress progress) throws IOException {
        List<Item> all = items();
        List<Item> items = limit > 0 && limit < all.size() ? all.subList(0, limit) : all;
        List<Request> requests = new ArrayList<>();
        for (Item it : items) {
            requests.addAll(it.requests());
        }
        List<Loglikelihood> ll = lm.loglikelihood(requests, progress);
        return score(items, ll, all.size());
    }

    /** Aggregates the metrics of {@code items} from their requests' log-likelihoods (in request order). */
    TaskResult score(List<Item> items, List<Loglikelihood> ll, int nOriginal) {
        boolean sameChoices = items.stream().map(Item::choices).distinct().count() == 1;
        boolean partial = !items.isEmpty() && items.get(0).partial();
        double[] acc = new double[items.size()];
        double[] accNorm = new double[items.size()];
        double chance = 0;
        List<Map<String, Object>> samples = new ArrayList<>();
        List<TaskResult.ChoiceOutcome> outcomes = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            int n = it.choices().size();
            double[] lls = new double[n];
            double[] norm = new double[n];
            boolean[] greedy = new boolean[n];
            for (int c = 0; c < n; c++, k++) {
                lls[c] = ll.get(k).logprob();
                greedy[c] = ll.get(k).greedy();
                norm[c] = lls[c] / Math.max(1, it.choices().get(c).length());
            }
            int pred = Metrics.argmax(lls);
            int predNorm = Metrics.argmax(norm);
            acc[i] = pred == it.gold() ? 1 : 0;
            accNorm[i] = predNorm == it.gold() ? 1 : 0;
            chance += 1.0 / n;
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("doc_id", i);
            s.put("contexts", it.requests().stream().map(Request::context).distinct().toList());
            s.put("continuations", it.requests().stream().map(Request::continuation).toList());
            s.put("loglikelihoods", lls);
            s.put("is_greedy", greedy);
            s.put("gold", it.gold());
            s.put("pred", pred);
            s.put("acc", acc[i]);
            if (!partial) {
                s.put("pred_norm", predNorm);
                s.put("acc_norm", accNorm[i]);
            }
            samples.add(s);
            List<String> labels = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                labels.add(sameChoices ? it.choices().get(c) : String.valueOf(c));
            }
            outcomes.add(new TaskResult.ChoiceOutcome(labels, lls, partial ? null : norm, it.gold()));
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("acc", Metrics.mean(acc));
        metrics.put("acc_stderr", Metrics.meanStderr(acc));
        if (!partial) {
            metrics.put("acc_norm", Metrics.mean(accNorm));
            metrics.put("acc_norm_stderr", Metrics.meanStderr(accNorm));
        }
        return new TaskResult(name, version, nOriginal, items.size(), metrics,
                items.isEmpty() ? Double.NaN : chance / items.size(), samples, outcomes);
    }
}
