package dev.sinter.trainers;

import dev.sinter.models.family.Projection;
import java.util.List;

/**
 * A trainer config that constrains the architecture it trains (e.g. SMT's block size must divide its target
 * matrices); {@link RunConfig} calls it when the model is built from a preset, so the mistake fails before any work,
 * and the trainer again on the built model of any family.
 */
public interface ChecksArchitecture {
    /** @param projections the architecture's targetable projections (its family's role map) */
    void checkAgainst(List<Projection> projections);
}
