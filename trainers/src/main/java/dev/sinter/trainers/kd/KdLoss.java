package dev.sinter.trainers.kd;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The distillation terms added to a student graph (papers.md §3.3, DeepSpeed's {@code calculate_mos_loss}):
 * {@code kd = T² · Σ_v p_t·(log p_t − log p_s)} averaged over tokens (the sum over the vocabulary divided by
 * batch × sequence length), with {@code p = softmax(z / T)}, and {@code total = ce_coef · loss + kd_coef · kd}.
 * Teacher logits, T and both coefficients are placeholders, so one graph serves every stage of a schedule; a
 * fifth, {@link #TEACHER_ON}, marks micro-batches whose teacher ran.
 */
public final class KdLoss {
    public static final String TEACHER_LOGITS = "kd.teacher_logits";
    public static final String TEMPERATURE = "kd.temperature";
    public static final String KD_COEF = "kd.kd_coef";
    public static final String CE_COEF = "kd.ce_coef";
    public static final String KD = "kd_loss";
    public static final String TOTAL = "kd_total_loss";
    /** The KD contribution actually added this step: {@code kd_coef · kd} (0 while a stage has KD off). */
    public static final String TERM = "kd_term";
    /** Placeholder: 1 when the teacher ran for this micro-batch, 0 when its logits are placeholder zeros. */
    public static final String TEACHER_ON = "kd.teacher_on";
    /**
     * Output echoing {@link #TEACHER_ON}: summed over a step's micro-batches (in one process or over data-parallel
     * workers) it says whether the step had KD on, so the step's metrics need no state kept by the passes.
     */
    public static final String TEACHER_RAN = "kd_teacher_ran";

    private KdLoss() {
    }

    /**
     * Adds the KD terms; returns the total loss variable (also made the graph's loss variable).
     *
     * @param studentLogits {@code [N, V]} student logits
     * @param studentLoss   the student's own scalar loss (CE, plus MoE aux terms)
     */
    public static SDVariable attach(SameDiff sd, SDVariable studentLogits, SDVariable studentLoss, int vocab,
                                    DataType dtype) {
        SDVariable teacher = sd.placeHolder(TEACHER_LOGITS, dtype, -1, vocab); // [N, V]
        SDVariable t = sd.placeHolder(TEMPERATURE, dtype);
        SDVariable kdCoef = sd.placeHolder(KD_COEF, dtype);
        SDVariable ceCoef = sd.placeHolder(CE_COEF, dtype);
        sd.identity(TEACHER_RAN, sd.placeHolder(TEACHER_ON, dtype));
        SDVariable logPs = sd.nn().logSoftmax(studentLogits.div(t)); // [N, V]
        SDVariable logPt = sd.nn().logSoftmax(teacher.div(t)); // [N, V]
        SDVariable kl = sd.math().exp(logPt).mul(logPt.sub(logPs)).sum(1); // [N]
        SDVariable kd = sd.identity(KD, kl.mean().mul(t.mul(t)));
        SDVariable term = sd.identity(TERM, kd.mul(kdCoef));
        SDVariable total = sd.identity(TOTAL, studentLoss.mul(ceCoef).add(term));
        sd.setLossVariables(TOTAL);
        return total;
    }
}
