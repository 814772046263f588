package dev.sinter.trainers;

import dev.sinter.models.config.ModelConfig;

/**
 * A trainer config that constrains the architecture it trains (e.g. SMT's block size must divide its target
 * matrices); {@link RunConfig} calls it when the model is built from a preset, so the mistake fails before any work.
 */
public interface ChecksArchitecture {
    void checkAgainst(ModelConfig model);
}
