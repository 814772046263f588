package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code checkpoint:} section.
 *
 * @param every    save a checkpoint every this many steps
 * @param keepLast keep only the newest this many checkpoints
 * @param resume   {@value #RESUME_AUTO} (latest checkpoint in the run directory, if any), {@value #RESUME_NONE}
 *                 (always start fresh), or the path of a checkpoint directory
 */
public record CheckpointConfig(int every, int keepLast, String resume) {
    public static final String RESUME_AUTO = "auto";
    public static final String RESUME_NONE = "none";

    public CheckpointConfig {
        Checks.positive("every", every);
        Checks.positive("keep_last", keepLast);
        resume = requireNonNullElse(resume, RESUME_AUTO);
        Checks.nonBlank("resume", resume);
    }

    /** Binds the YAML section; null arguments take their defaults (every 100 steps, keep 3, resume auto). */
    @JsonCreator
    public static CheckpointConfig of(@JsonProperty("every") Integer every,
                                      @JsonProperty("keep_last") Integer keepLast,
                                      @JsonProperty("resume") String resume) {
        return new CheckpointConfig(requireNonNullElse(every, 100), requireNonNullElse(keepLast, 3), resume);
    }

    /** All defaults. */
    public static CheckpointConfig defaults() {
        return of(null, null, null);
    }
}
