package dev.sinter.eval.lm;

import java.util.List;

/**
 * What a zero-shot task needs from a model, as in lm-evaluation-harness.
 *
 * <p>Contract: results come back in the order of the requests, and do not depend on how an implementation batches or
 * orders them (up to float rounding).
 */
public interface LanguageModel {
    /** A continuation to score after a context. */
    record Request(String context, String continuation) {
        public Request {
            if (context == null || continuation == null) {
                throw new IllegalArgumentException("context and continuation must not be null");
            }
        }
    }

    /**
     * The summed natural-log probability of a continuation's tokens given its context, whether greedy (argmax)
     * decoding would have produced exactly those tokens, and how many tokens the continuation has.
     */
    record Loglikelihood(double logprob, boolean greedy, int tokens) {
    }

    /** The summed log-probability of every token of a text, and the number of scored tokens. */
    record Rolling(double logprob, long tokens) {
    }

    /** Scores each request; see {@link Request}. */
    List<Loglikelihood> loglikelihood(List<Request> requests, Progress progress);

    /** {@link #loglikelihood(List, Progress)} without progress reports. */
    default List<Loglikelihood> loglikelihood(List<Request> requests) {
        return loglikelihood(requests, Progress.NONE);
    }

    /**
     * Scores every token of each text exactly once, with windows no longer than the model's context; the first token
     * is predicted from BOS alone.
     */
    List<Rolling> loglikelihoodRolling(List<String> texts, Progress progress);

    /** {@link #loglikelihoodRolling(List, Progress)} for one text. */
    default Rolling loglikelihoodRolling(String text) {
        return loglikelihoodRolling(List.of(text), Progress.NONE).get(0);
    }

    /** A short description for results files, e.g. the model path and tokenizer. */
    String describe();
}
