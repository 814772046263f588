package dev.sinter.trainers;

import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.Suggest;

import dev.sinter.models.family.Projection;
import java.util.List;

/**
 * Checks the projection roles fine-tuning methods may target: {@code q,k,v,o} (attention) and {@code gate,up,down}
 * (MLP), the {@link Projection#ROLES} that each model family maps to its weight names.
 */
public final class TargetModules {
    public static final List<String> ALL = Projection.ROLES;

    private TargetModules() {
    }

    /** Checks a target list (non-empty, known names, no duplicates) and returns it unmodifiable. */
    public static List<String> check(String key, List<String> targets) {
        Checks.noNulls(key, targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException(key + " must name at least one of " + String.join(", ", ALL));
        }
        for (String t : targets) {
            if (!ALL.contains(t)) {
                throw new IllegalArgumentException(key + " must hold names among " + String.join(", ", ALL)
                        + ", got '" + t + "'" + Suggest.didYouMean(t, ALL));
            }
        }
        if (targets.stream().distinct().count() != targets.size()) {
            throw new IllegalArgumentException(key + " lists a module twice: " + targets);
        }
        return List.copyOf(targets);
    }
}
