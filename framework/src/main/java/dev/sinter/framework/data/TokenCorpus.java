package dev.sinter.framework.data;

import dev.sinter.framework.config.UsageException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;

/**
 * A tokenized corpus split into a training and a validation token stream. Each text is encoded in one call with BOS
 * at its start. With {@link #fromText} the validation stream is the last {@code ceil(valFraction * n)} tokens and the
 * training stream the rest, so the split is deterministic and contiguous.
 */
public final class TokenCorpus {
    private final int[] train;
    private final int[] validation;

    private TokenCorpus(int[] train, int[] validation) {
        this.train = train;
        this.validation = validation;
    }

    /**
     * Tokenizes {@code text} and splits off the last {@code ceil(valFraction * n)} of its {@code n} tokens (taken
     * after the {@code maxTokens} cap) for validation.
     *
     * @param valFraction validation share in [0, 1); 0 leaves the validation stream empty
     * @param maxTokens   keep only the first {@code maxTokens} tokens; {@code <= 0} keeps all
     */
    public static TokenCorpus fromText(String text, Tokenizer tok, double valFraction, long maxTokens) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + valFraction);
        }
        int[] tokens = cap(tok.encode(text, true, false), maxTokens);
        int validationSize = BigDecimal.valueOf(valFraction).multiply(BigDecimal.valueOf(tokens.length))
                .setScale(0, RoundingMode.CEILING).intValueExact();
        int split = tokens.length - validationSize;
        return new TokenCorpus(Arrays.copyOf(tokens, split), Arrays.copyOfRange(tokens, split, tokens.length));
    }

    /**
     * Tokenizes separate training and validation texts.
     *
     * @param maxTokens keep only the first {@code maxTokens} tokens of each text; {@code <= 0} keeps all
     */
    public static TokenCorpus fromTexts(String train, String validation, Tokenizer tok, long maxTokens) {
        return new TokenCorpus(cap(tok.encode(train, true, false), maxTokens),
                cap(tok.encode(validation, true, false), maxTokens));
    }

    private static int[] cap(int[] tokens, long maxTokens) {
        return maxTokens > 0 && tokens.length > maxTokens ? Arrays.copyOf(tokens, (int) maxTokens) : tokens;
    }

    /** The training token stream (a copy). */
    public int[] train() {
        return train.clone();
    }

    /** The validation token stream (a copy; empty when the validation fraction was 0). */
    public int[] validation() {
        return validation.clone();
    }

    /** Number of training tokens. */
    public int trainSize() {
        return train.length;
    }

    /** Number of validation tokens. */
    public int validationSize() {
        return validation.length;
    }

    /** A shuffled, resumable sampler over the training stream. */
    public BatchSampler trainSampler(int seqLen, long seed) {
        requireTokens("train", train, seqLen);
        return new BatchSampler(train, seqLen, seed);
    }

    /** The first {@code maxWindows} validation windows of {@code seqLen + 1} tokens, in order. */
    public int[][] validationWindows(int seqLen, int maxWindows) {
        requireTokens("validation", validation, seqLen);
        return BatchSampler.sequentialWindows(validation, seqLen, maxWindows);
    }

    private static void requireTokens(String split, int[] tokens, int seqLen) {
        if (tokens.length < seqLen + 1) {
            throw new UsageException("corpus " + split + " has " + tokens.length
                    + " tokens, too few for seq_len " + seqLen + " (need at least " + (seqLen + 1) + ")");
        }
    }
}
