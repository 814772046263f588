package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code training:} section: schedule, AdamW hyperparameters, evaluation and logging cadence.
 *
 * @param steps          optimizer steps
 * @param batchSize      sequences per optimizer step
 * @param microBatchSize sequences per forward/backward pass; gradients accumulate over batchSize / microBatchSize
 * @param lr             peak learning rate
 * @param minLr          learning rate at the end of the cosine decay, in [0, lr]
 * @param warmupSteps    linear warmup steps, in [0, steps]
 * @param weightDecay    AdamW decoupled weight decay
 * @param beta1          AdamW first-moment decay, in [0, 1)
 * @param beta2          AdamW second-moment decay, in [0, 1)
 * @param eps            AdamW denominator epsilon
 * @param gradClip       global gradient-norm clip (0 = off)
 * @param evalEvery      evaluate on validation data every this many steps
 * @param evalBatches    validation batches per evaluation
 * @param logEvery       log training metrics every this many steps
 */
public record TrainingConfig(int steps, int batchSize, int microBatchSize, double lr, double minLr, int warmupSteps,
                             double weightDecay, double beta1, double beta2, double eps, double gradClip,
                             int evalEvery, int evalBatches, int logEvery) {

    public TrainingConfig {
        Checks.positive("steps", steps);
        Checks.positive("batch_size", batchSize);
        Checks.positive("micro_batch_size", microBatchSize);
        if (batchSize % microBatchSize != 0) {
            throw new IllegalArgumentException("micro_batch_size must divide batch_size " + batchSize + ", got "
                    + microBatchSize + "; gradients accumulate over batch_size / micro_batch_size passes");
        }
        Checks.positive("lr", lr);
        if (!(minLr >= 0 && minLr <= lr)) {
            throw new IllegalArgumentException("min_lr must be in [0, lr=" + lr + "], got " + minLr);
        }
        if (warmupSteps < 0 || warmupSteps > steps) {
            throw new IllegalArgumentException("warmup_steps must be in [0, steps=" + steps + "], got " + warmupSteps);
        }
        Checks.nonNegative("weight_decay", weightDecay);
        Checks.inRangeOpenHigh("beta1", beta1, 0, 1);
        Checks.inRangeOpenHigh("beta2", beta2, 0, 1);
        Checks.positive("eps", eps);
        Checks.nonNegative("grad_clip", gradClip);
        Checks.positive("eval_every", evalEvery);
        Checks.positive("eval_batches", evalBatches);
        Checks.positive("log_every", logEvery);
    }

    /**
     * Binds the YAML section. {@code steps}, {@code batchSize} and {@code lr} are required; any other null takes its
     * default: micro_batch_size = batch_size, min_lr = lr / 10, warmup 0, weight_decay 0.1, betas (0.9, 0.95),
     * eps 1e-8, grad_clip 1.0, eval every 100 steps over 8 batches, log every 10 steps.
     */
    @JsonCreator
    public static TrainingConfig of(@JsonProperty("steps") Integer steps,
                                    @JsonProperty("batch_size") Integer batchSize,
                                    @JsonProperty("micro_batch_size") Integer microBatchSize,
                                    @JsonProperty("lr") Double lr,
                                    @JsonProperty("min_lr") Double minLr,
                                    @JsonProperty("warmup_steps") Integer warmupSteps,
                                    @JsonProperty("weight_decay") Double weightDecay,
                                    @JsonProperty("beta1") Double beta1,
                                    @JsonProperty("beta2") Double beta2,
                                    @JsonProperty("eps") Double eps,
                                    @JsonProperty("grad_clip") Double gradClip,
                                    @JsonProperty("eval_every") Integer evalEvery,
                                    @JsonProperty("eval_batches") Integer evalBatches,
                                    @JsonProperty("log_every") Integer logEvery) {
        int stepCount = Checks.required("steps", steps);
        int batch = Checks.required("batch_size", batchSize);
        double peak = Checks.required("lr", lr);
        return new TrainingConfig(stepCount, batch, requireNonNullElse(microBatchSize, batch), peak,
                requireNonNullElse(minLr, peak / 10), requireNonNullElse(warmupSteps, 0),
                requireNonNullElse(weightDecay, 0.1), requireNonNullElse(beta1, 0.9), requireNonNullElse(beta2, 0.95),
                requireNonNullElse(eps, 1e-8), requireNonNullElse(gradClip, 1.0), requireNonNullElse(evalEvery, 100),
                requireNonNullElse(evalBatches, 8), requireNonNullElse(logEvery, 10));
    }
}
