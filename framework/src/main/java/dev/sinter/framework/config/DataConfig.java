package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code data:} section: where the text comes from and how it is cut into training sequences.
 *
 * @param train       training text: a file path or {@code classpath:NAME}
 * @param validation  optional separate validation text (null = hold out {@code valFraction} of {@code train})
 * @param valFraction fraction of {@code train} held out for validation when {@code validation} is null, in (0, 0.5]
 * @param seqLen      tokens per training sequence
 * @param tokenizer   how text becomes token ids
 * @param maxTokens   use at most this many tokens of {@code train} (0 = all)
 * @param shards      directory of token shards written by {@code sinter prepare} from {@code train}; when set, training
 *                    memory-maps them instead of reading {@code train} (null = tokenize {@code train} in memory)
 * @param prepare     how {@code sinter prepare} reads {@code train}
 */
public record DataConfig(String train, String validation, double valFraction, int seqLen, TokenizerConfig tokenizer,
                         int maxTokens, String shards, PrepareConfig prepare) {
    private static final String CLASSPATH = "classpath:";

    public DataConfig {
        Checks.required("train", train);
        if (train.isBlank() || train.equals(CLASSPATH)) {
            throw new IllegalArgumentException("train must be a file path or " + CLASSPATH + "NAME, got '" + train + "'");
        }
        Checks.nonBlank("validation", validation);
        Checks.inRangeOpenLow("val_fraction", valFraction, 0, 0.5);
        if (seqLen < 2) {
            // one position leaves attention nothing to weigh (and its softmax gradient would reduce over a size-1 axis,
            // which M2.1 cannot: samediff notes)
            throw new IllegalArgumentException("seq_len must be >= 2, got " + seqLen + "; a window needs context");
        }
        tokenizer = requireNonNullElse(tokenizer, new TokenizerConfig(TokenizerConfig.BYTE, null));
        Checks.nonNegative("max_tokens", maxTokens);
        Checks.nonBlank("shards", shards);
        if (shards != null && validation != null) {
            throw new IllegalArgumentException("validation must be absent with shards: the validation split is the "
                    + "last val_fraction of the prepared tokens; remove validation");
        }
        if (shards != null && maxTokens > 0) {
            throw new IllegalArgumentException("max_tokens must be 0 with shards: prepared shards are used whole; "
                    + "remove max_tokens");
        }
        prepare = requireNonNullElse(prepare, PrepareConfig.DEFAULT);
    }

    /** A config that tokenizes {@code train} in memory (no shards) with the default prepare settings. */
    public DataConfig(String train, String validation, double valFraction, int seqLen, TokenizerConfig tokenizer,
                      int maxTokens) {
        this(train, validation, valFraction, seqLen, tokenizer, maxTokens, null, null);
    }

    /** Binds the YAML section; null arguments take their defaults (val_fraction 0.05, byte tokenizer, all tokens). */
    @JsonCreator
    public static DataConfig of(@JsonProperty("train") String train,
                                @JsonProperty("validation") String validation,
                                @JsonProperty("val_fraction") Double valFraction,
                                @JsonProperty("seq_len") Integer seqLen,
                                @JsonProperty("tokenizer") TokenizerConfig tokenizer,
                                @JsonProperty("max_tokens") Integer maxTokens,
                                @JsonProperty("shards") String shards,
                                @JsonProperty("prepare") PrepareConfig prepare) {
        return new DataConfig(train, validation, requireNonNullElse(valFraction, 0.05),
                Checks.required("seq_len", seqLen), tokenizer, requireNonNullElse(maxTokens, 0), shards, prepare);
    }
}
