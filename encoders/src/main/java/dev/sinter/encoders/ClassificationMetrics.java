package dev.sinter.encoders;

import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.framework.train.TrainingListener;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validation accuracy and macro-F1 of a classifier in training: at every validation of the loop, predicts the
 * validation examples and appends {@code {step, val_accuracy, val_macro_f1}} to the run's {@code metrics.jsonl}.
 */
final class ClassificationMetrics implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(ClassificationMetrics.class);

    private final BertEncoder model;
    private final EncodedBatch validation;
    private final int[] labels;
    private final int batch;
    private final MetricsJsonl metrics;

    /**
     * @param validation the validation examples, {@code labels} their classes
     * @param batch      examples per forward pass
     */
    ClassificationMetrics(BertEncoder model, EncodedBatch validation, int[] labels, int batch, MetricsJsonl metrics) {
        this.model = model;
        this.validation = validation;
        this.labels = labels.clone();
        this.batch = batch;
        this.metrics = metrics;
    }

    @Override
    public void onValidation(long step, double valLoss) {
        Scores s = score(model.probabilities(validation, batch), labels);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step);
        row.put("val_accuracy", s.accuracy());
        row.put("val_macro_f1", s.macroF1());
        metrics.append(row);
        LOG.info("step {} | validation accuracy {} | macro-F1 {}", step, String.format("%.4f", s.accuracy()),
                String.format("%.4f", s.macroF1()));
    }

    /** Accuracy and macro-averaged F1 (F1 of a class with no gold and no predicted example counts as 0). */
    record Scores(double accuracy, double macroF1) {
    }

    /** Scores the argmax of {@code probs [n, C]} against {@code gold}. */
    static Scores score(INDArray probs, int[] gold) {
        int classes = (int) probs.size(1);
        int[] tp = new int[classes];
        int[] predicted = new int[classes];
        int[] actual = new int[classes];
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                best = probs.getDouble(i, c) > probs.getDouble(i, best) ? c : best;
            }
            predicted[best]++;
            actual[gold[i]]++;
            if (best == gold[i]) {
                tp[best]++;
                correct++;
            }
        }
        double f1 = 0;
        for (int c = 0; c < classes; c++) {
            int denominator = predicted[c] + actual[c];
            f1 += denominator == 0 ? 0 : 2.0 * tp[c] / denominator; // F1 = 2·TP / (2·TP + FP + FN)
        }
        return new Scores(correct / (double) gold.length, f1 / classes);
    }
}
