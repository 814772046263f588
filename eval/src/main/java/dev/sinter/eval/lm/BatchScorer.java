package dev.sinter.eval.lm;

import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.SinterLanguageModel.TokenRequest;
import java.util.List;

/**
 * Runs the forward passes of {@link SinterLanguageModel#scoreTokens}: the batches it formed, each scored as
 * {@link SinterLanguageModel#scoreBatch} scores it on the same model. Since the batches (and so the padding) are fixed
 * before they are handed over, where they run does not change a single bit of the results.
 */
@FunctionalInterface
public interface BatchScorer {
    /**
     * Scores every batch; returns, per batch in order, its requests' results in order, and advances {@code progress}
     * by each batch's size once it is scored.
     */
    List<List<Loglikelihood>> score(List<List<TokenRequest>> batches, Progress progress);
}
