package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code samples:} section: generations printed at the end of training.
 *
 * @param prompts      prompts to continue; the empty string samples from BOS
 * @param count        generations per prompt (0 = none)
 * @param maxNewTokens tokens generated per sample
 * @param temperature  softmax temperature (0 = greedy)
 * @param topP         nucleus-sampling probability mass, in (0, 1]
 */
public record SamplesConfig(List<String> prompts, int count, int maxNewTokens, double temperature, double topP) {

    public SamplesConfig {
        prompts = Checks.noNulls("prompts", requireNonNullElse(prompts, List.of("")));
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("prompts must not be empty; use [\"\"] to sample from BOS");
        }
        Checks.nonNegative("count", count);
        Checks.positive("max_new_tokens", maxNewTokens);
        Checks.nonNegative("temperature", temperature);
        Checks.inRangeOpenLow("top_p", topP, 0, 1);
    }

    /** Binds the YAML section; null arguments take their defaults ([""], 3, 100, 0.8, 0.95). */
    @JsonCreator
    public static SamplesConfig of(@JsonProperty("prompts") List<String> prompts,
                                   @JsonProperty("count") Integer count,
                                   @JsonProperty("max_new_tokens") Integer maxNewTokens,
                                   @JsonProperty("temperature") Double temperature,
                                   @JsonProperty("top_p") Double topP) {
        return new SamplesConfig(prompts, requireNonNullElse(count, 3), requireNonNullElse(maxNewTokens, 100),
                requireNonNullElse(temperature, 0.8), requireNonNullElse(topP, 0.95));
    }

    /** All defaults. */
    public static SamplesConfig defaults() {
        return of(null, null, null, null, null);
    }
}
