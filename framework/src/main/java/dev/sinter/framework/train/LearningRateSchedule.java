package dev.sinter.framework.train;

/** Linear warm-up from 0 to {@code lr}, then cosine decay to {@code minLr} at {@code totalSteps}. */
public record LearningRateSchedule(double lr, double minLr, int warmupSteps, int totalSteps) {

    /** Learning rate at {@code step}: the run counts its steps from 1, a restarted phase (as PyTorch schedulers) from 0. */
    public double at(int step) {
        if (warmupSteps > 0 && step <= warmupSteps) {
            return lr * step / warmupSteps;
        }
        if (step >= totalSteps) {
            return minLr;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
    }
}
