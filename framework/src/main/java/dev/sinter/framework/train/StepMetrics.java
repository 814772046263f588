package dev.sinter.framework.train;

/** Figures of one optimizer step (one global batch). */
public record StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerSecond,
                          double stepSeconds, long tokensSeen) {
}
