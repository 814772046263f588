package dev.sinter.trainers.kd;

import dev.sinter.framework.config.Checks;

import java.util.List;

/**
 * The distillation settings shared by {@code kd} and {@code mos}, with the stage schedule checked.
 *
 * @param teacher     path of the frozen teacher (run or checkpoint directory, llama2.c .bin)
 * @param temperature default softmax temperature T
 * @param beta        add form: {@code CE + β·w·T²·KL} (null when alpha is used)
 * @param alpha       mix form: {@code (1−α·w)·CE + α·w·T²·KL} (null when beta is used)
 * @param stages      schedule; w is the stage's kd_weight
 */
public record KdSettings(String teacher, double temperature, Double beta, Double alpha, List<KdStage> stages) {
    public KdSettings {
        Checks.required("teacher", teacher);
        Checks.nonBlank("teacher", teacher);
        Checks.positive("temperature", temperature);
        if (beta != null && alpha != null) {
            throw new IllegalArgumentException("beta and alpha are exclusive: beta selects CE + β·KD, alpha selects"
                    + " (1-α)·CE + α·KD; set only one");
        }
        if (beta == null && alpha == null) {
            beta = 1.0;
        }
        if (beta != null) {
            Checks.nonNegative("beta", beta);
        } else {
            Checks.inRange("alpha", alpha, 0, 1);
        }
        stages = stages == null ? List.of(new KdStage(null, 1.0, null)) : List.copyOf(stages);
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("stages must not be empty; omit it for KD throughout the run");
        }
        Integer previous = 0;
        for (int i = 0; i < stages.size(); i++) {
            Integer until = stages.get(i).untilStep();
            if (until == null && i != stages.size() - 1) {
                throw new IllegalArgumentException("stages: only the last stage may have until_step null (stage " + i
                        + " has none)");
            }
            if (until != null && until <= previous) {
                throw new IllegalArgumentException("stages must have strictly increasing until_step, got " + until
                        + " after " + previous + " (stage " + i + ")");
            }
            previous = until;
        }
    }

    /** The stage that step (1-based) belongs to; after the last bounded stage, the last stage. */
    public KdStage stageAt(long step) {
        for (KdStage s : stages) {
            if (s.untilStep() == null || step <= s.untilStep()) {
                return s;
            }
        }
        return stages.get(stages.size() - 1);
    }

    /** Index of the stage of a step (for logs and trainer state). */
    public int stageIndex(long step) {
        return stages.indexOf(stageAt(step));
    }
}
