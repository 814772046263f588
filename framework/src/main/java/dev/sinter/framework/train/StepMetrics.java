package dev.sinter.framework.train;

import java.util.Map;

/**
 * Figures of one optimizer step (one global batch); {@code extra} holds model-specific scalars by name
 * ({@link TrainableModel#stepMetrics}), e.g. MoE load-balancing loss and expert load.
 */
public record StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerSecond,
                          double stepSeconds, long tokensSeen, Map<String, Double> extra) {

    public StepMetrics {
        extra = Map.copyOf(extra);
    }

    /** A step without extra metrics. */
    public StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerSecond, double stepSeconds,
                       long tokensSeen) {
        this(step, loss, lr, gradNorm, tokensPerSecond, stepSeconds, tokensSeen, Map.of());
    }
}
