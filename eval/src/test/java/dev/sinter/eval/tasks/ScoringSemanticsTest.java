package dev.sinter.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.lm.LanguageModel;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.metrics.Metrics;
import dev.sinter.eval.results.TribuoEvaluation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;

/** Scoring rules on a stub model whose log-probabilities are fixed per (context, continuation). */
class ScoringSemanticsTest {
    /** Fixed answers; unknown requests fail the test. */
    static final class StubModel implements LanguageModel {
        final Map<Request, Loglikelihood> answers = new HashMap<>();
        final List<Request> seen = new ArrayList<>();

        StubModel put(String context, String continuation, double logprob, boolean greedy) {
            answers.put(new Request(context, continuation), new Loglikelihood(logprob, greedy, 1));
            return this;
        }

        @Override
        public List<Loglikelihood> loglikelihood(List<Request> requests, Progress progress) {
            seen.addAll(requests);
            return requests.stream().map(r -> {
                Loglikelihood l = answers.get(r);
                if (l == null) {
                    throw new AssertionError("unexpected request " + r);
                }
                return l;
            }).toList();
        }

        @Override
        public List<Rolling> loglikelihoodRolling(List<String> texts, Progress progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe() {
            return "stub";
        }
    }

    @Test
    void accAndAccNormDisagreeOnLongWrongVersusShortRight() throws IOException {
        // item 0: the short right answer has the higher sum (-1 > -6), the long wrong one the higher score per
        // character (-6/30 = -0.2 > -1/4 = -0.25)
        String q = "Question: Q?\nAnswer:";
        String longWrong = "a very long and wrong answer!!"; // 30 characters
        String shortRight = "blue"; // 4 characters
        StubModel lm = new StubModel()
                .put(q, " " + longWrong, -6.0, false)
                .put(q, " " + shortRight, -1.0, true)
                // item 1: the right answer wins both ways
                .put("C2", " x", -1.0, true).put("C2", " yy", -5.0, false);
        MultipleChoiceTask task = new MultipleChoiceTask("t", 0, () -> List.of(
                MultipleChoiceTask.Item.of(q, List.of(longWrong, shortRight), 1, " "),
                MultipleChoiceTask.Item.of("C2", List.of("x", "yy"), 0, " ")));
        TaskResult r = task.evaluate(lm, 0, Progress.NONE);
        // acc: item 0 picks the short right answer (-1 > -6); acc_norm picks the long wrong one (-0.2 > -0.25)
        assertEquals(1.0, r.metrics().get("acc"), 1e-12);
        assertEquals(0.5, r.metrics().get("acc_norm"), 1e-12);
        assertEquals(0.0, r.metrics().get("acc_stderr"), 1e-12);
        assertEquals(Math.sqrt(0.5) / Math.sqrt(2), r.metrics().get("acc_norm_stderr"), 1e-12);
        assertEquals(0.5, r.chance(), 1e-12);
        assertEquals(0, r.samples().get(0).get("pred_norm"));
        assertEquals(1, r.samples().get(0).get("pred"));
    }

    @Test
    void continuationDelimiterIsSkippedWhenTheChoiceStartsWithWhitespace() {
        MultipleChoiceTask.Item it = MultipleChoiceTask.Item.of("ctx", List.of("a", " b", "\nc"), 0, " ");
        assertEquals(List.of(" a", " b", "\nc"),
                it.requests().stream().map(LanguageModel.Request::continuation).toList());
    }

    @Test
    void winograndePartialScoringScoresTheSharedContinuationAfterEachOption() throws IOException {
        StubModel lm = new StubModel()
                .put("Sarah was better than Maria so Sarah", " got the easy cases.", -9.0, false)
                .put("Sarah was better than Maria so Maria", " got the easy cases.", -7.0, false);
        MultipleChoiceTask task = new MultipleChoiceTask("winogrande", 0, () -> List.of(MultipleChoiceTask.Item.partial(
                List.of("Sarah was better than Maria so Sarah", "Sarah was better than Maria so Maria"),
                "got the easy cases.", 1, " ")));
        TaskResult r = task.evaluate(lm, 0, Progress.NONE);
        assertEquals(1.0, r.metrics().get("acc"), 1e-12);
        assertFalse(r.metrics().containsKey("acc_norm"), "partial scoring reports no acc_norm");
        assertEquals(2, lm.seen.size());
        assertTrue(lm.seen.stream().allMatch(q -> q.continuation().equals(" got the easy cases.")));
        assertNull(r.outcomes().get(0).normalized());
    }

    @Test
    void lambadaAccuracyIsTheGreedyMatchAndPerplexityIsExpOfMinusMeanLoglik() {
        List<LanguageModel.Request> rs = List.of(new LanguageModel.Request("a b", " c"),
                new LanguageModel.Request("d e", " f"), new LanguageModel.Request("g h", " i"));
        // the most likely continuation need not be greedy: -0.1 but not argmax at some token
        List<LanguageModel.Loglikelihood> ll = List.of(new LanguageModel.Loglikelihood(-0.1, false, 2),
                new LanguageModel.Loglikelihood(-2.0, true, 1), new LanguageModel.Loglikelihood(-3.0, true, 1));
        TaskResult r = new LambadaTask(null).score(rs, ll, 3);
        assertEquals(2.0 / 3, r.metrics().get("acc"), 1e-12);
        assertEquals(Math.exp((0.1 + 2 + 3) / 3), r.metrics().get("perplexity"), 1e-9);
        assertEquals(Math.sqrt(1.0 / 3) / Math.sqrt(3), r.metrics().get("acc_stderr"), 1e-12);
    }

    @Test
    void stderrIsSampleStddevOverRootN() {
        double[] xs = {1, 0, 0, 1, 1};
        double mean = 0.6;
        double var = (2 * 0.36 + 3 * 0.16) / 4; // n - 1
        assertEquals(Math.sqrt(var) / Math.sqrt(5), Metrics.meanStderr(xs), 1e-15);
        assertEquals(mean, Metrics.mean(xs), 1e-15);
        assertTrue(Double.isNaN(Metrics.meanStderr(new double[]{1})));
        assertEquals(0, Metrics.argmax(new double[]{-1, -1}), "ties go to the first choice");
    }

    @Test
    void tribuoEvaluationAgreesWithAccAndCountsTheConfusion() throws IOException {
        StubModel lm = new StubModel()
                .put("p1\nAnswer:", " no", -1, true).put("p1\nAnswer:", " yes", -2, false) // gold no → no
                .put("p2\nAnswer:", " no", -1, true).put("p2\nAnswer:", " yes", -3, false) // gold yes → no
                .put("p3\nAnswer:", " no", -5, false).put("p3\nAnswer:", " yes", -1, true); // gold yes → yes
        MultipleChoiceTask task = new MultipleChoiceTask("boolq", 0, () -> List.of(
                MultipleChoiceTask.Item.of("p1\nAnswer:", List.of("no", "yes"), 0, " "),
                MultipleChoiceTask.Item.of("p2\nAnswer:", List.of("no", "yes"), 1, " "),
                MultipleChoiceTask.Item.of("p3\nAnswer:", List.of("no", "yes"), 1, " ")));
        TaskResult r = task.evaluate(lm, 0, Progress.NONE);
        LabelEvaluation e = TribuoEvaluation.evaluate("boolq", r.outcomes(), false);
        assertEquals(r.metrics().get("acc"), e.accuracy(), 1e-12);
        assertEquals(1.0, e.getConfusionMatrix().confusion(new Label("no"), new Label("yes")), 1e-12);
        assertEquals(0.5, e.recall(new Label("yes")), 1e-12);
        Map<String, Object> digest = TribuoEvaluation.digest(e);
        assertEquals(2.0 / 3, (Double) digest.get("accuracy"), 1e-12);
    }
}
