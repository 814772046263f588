package dev.sinter.eval.tasks;

import dev.sinter.eval.lm.LanguageModel;
import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.LanguageModel.Request;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.metrics.Metrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LAMBADA (OpenAI's version) as lm-eval's {@code lambada_openai}: the final word, {@code " " + continuation} after
 * the context. {@code acc} is the fraction whose every token is the greedy (argmax) choice; {@code perplexity} is
 * exp(-mean per-item log-likelihood), with the delta-method standard error {@code ppl · stderr(loglik)}.
 */
public final class LambadaTask implements Task {
    private final Path file;

    public LambadaTask(Path file) {
        this.file = file;
    }

    @Override
    public String name() {
        return "lambada_openai";
    }

    @Override
    public int version() {
        return 0;
    }

    /** Every (context, " " + final word) request of the file. */
    public List<Request> requests() throws IOException {
        List<Request> out = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(file)) {
            out.add(new Request(line.text("context"), MultipleChoiceTask.Item.join(" ", line.text("continuation"))));
        }
        return out;
    }

    @Override
    public TaskResult evaluate(LanguageModel lm, int limit, Progress progress) throws IOException {
        List<Request> all = requests();
        List<Request> rs = limit > 0 && limit < all.size() ? all.subList(0, limit) : all;
        return score(rs, lm.loglikelihood(rs, progress), all.size());
    }

    TaskResult score(List<Request> rs, List<Loglikelihood> ll, int nOriginal) {
        double[] acc = new double[rs.size()];
        double[] lls = new double[rs.size()];
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            acc[i] = ll.get(i).greedy() ? 1 : 0;
            lls[i] = ll.get(i).logprob();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("doc_id", i);
            s.put("continuation", rs.get(i).continuation());
            s.put("loglikelihood", lls[i]);
            s.put("tokens", ll.get(i).tokens());
            s.put("is_greedy", ll.get(i).greedy());
            samples.add(s);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        double ppl = Metrics.perplexity(lls);
        m.put("perplexity", ppl);
        m.put("perplexity_stderr", ppl * Metrics.meanStderr(lls));
        m.put("acc", Metrics.mean(acc));
        m.put("acc_stderr", Metrics.meanStderr(acc));
        return new TaskResult(name(), version(), nOriginal, rs.size(), m, Double.NaN, samples, List.of());
    }
}
