package dev.sinter.trainers;

import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.Suggest;

import java.util.List;

/** The projection names fine-tuning methods may target: {@code q,k,v,o} (attention) and {@code gate,up,down} (MLP). */
public final class TargetModules {
    public static final List<String> ALL = List.of("q", "k", "v", "o", "gate", "up", "down");

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

    /** The HF weight-name fragment of a target: {@code self_attn.q_proj} or {@code mlp.gate_proj}. */
    public static String fragment(String target) {
        return (List.of("q", "k", "v", "o").contains(target) ? "self_attn." : "mlp.") + target + "_proj.weight";
    }
}
