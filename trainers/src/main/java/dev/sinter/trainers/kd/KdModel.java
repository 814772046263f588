package dev.sinter.trainers.kd;

import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A student whose training loss is {@link KdLoss#TOTAL}; every step logs the student's own loss
 * ({@code student_loss}) and the KD contribution to the total ({@code kd_term}, 0 while KD is off), and a step with
 * KD on also logs the KD divergence ({@code kd_loss}, T²·KL). While a stage has KD off the teacher does not run, so
 * the graph's divergence is taken against placeholder zeros and means nothing: it is not logged.
 */
final class KdModel implements TrainableModel {
    private final TransformerModel student;

    KdModel(TransformerModel student) {
        this.student = student;
    }

    @Override
    public SameDiff graph() {
        return student.graph();
    }

    @Override
    public String lossName() {
        return KdLoss.TOTAL;
    }

    @Override
    public List<String> parameterNames() {
        return student.parameterNames();
    }

    @Override
    public Map<String, INDArray> trainingPlaceholders(int[][] windows) {
        return student.trainingPlaceholders(windows);
    }

    @Override
    public Map<String, INDArray> validationPlaceholders(int[][] windows) {
        return student.validationPlaceholders(windows);
    }

    @Override
    public List<String> metricOutputs() {
        List<String> out = new ArrayList<>(student.metricOutputs());
        out.add(student.lossName());
        out.add(KdLoss.KD);
        out.add(KdLoss.TERM);
        out.add(KdLoss.TEACHER_RAN);
        return out;
    }

    @Override
    public Map<String, Double> stepMetrics(Map<String, INDArray> summed, int microBatches) {
        Map<String, Double> m = new LinkedHashMap<>(student.stepMetrics(summed, microBatches));
        m.put("student_loss", summed.get(student.lossName()).getDouble(0) / microBatches);
        if (summed.get(KdLoss.TEACHER_RAN).getDouble(0) > 0) { // the teacher ran for this step's micro-batches
            m.put("kd_loss", summed.get(KdLoss.KD).getDouble(0) / microBatches);
        }
        m.put("kd_term", summed.get(KdLoss.TERM).getDouble(0) / microBatches);
        return m;
    }
}
