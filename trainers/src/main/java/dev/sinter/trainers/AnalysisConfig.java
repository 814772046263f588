package dev.sinter.trainers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code analysis:} section: what a run analyses and reports besides training. Every switch defaults to on, so
 * {@code sinter train} and {@code Sinter.train} write the same run directory unless a config turns one off.
 *
 * @param emergence    track super activations: every {@code training.log_every} steps the per-layer maxima on a probe
 *                     prompt go into {@code metrics.jsonl} as {@code sw.*} rows
 * @param superWeights at the end, run the super-weight detector on the trained model and write its verdict
 *                     ({@code super_weights.txt}) and report ({@code super_weights/})
 * @param report       at the end, write the run report ({@code report.html}, {@code report.json}, {@code loss.png})
 */
public record AnalysisConfig(boolean emergence, boolean superWeights, boolean report) {

    /** Binds the YAML section; null arguments take their default (true). */
    @JsonCreator
    public static AnalysisConfig of(@JsonProperty("emergence") Boolean emergence,
                                    @JsonProperty("super_weights") Boolean superWeights,
                                    @JsonProperty("report") Boolean report) {
        return new AnalysisConfig(requireNonNullElse(emergence, true), requireNonNullElse(superWeights, true),
                requireNonNullElse(report, true));
    }

    /** All on: what {@code sinter train} has always done. */
    public static AnalysisConfig defaults() {
        return of(null, null, null);
    }
}
