package dev.sinter.encoders;

import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.framework.train.TrainingListener;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Validation accuracy and macro-F1 of a classifier in training: at every validation of the loop, predicts the
 * validation examples and appends {@code {step, val_accuracy, val_macro_f1}} to the run's {@code metrics.jsonl}; for a
 * paired task (PIQA: adjacent examples are one goal's two solutions) also {@code val_paired_accuracy}, the share of
 * goals whose likelier "right" solution is the right one.
 */
final class ClassificationMetrics implements TrainingListener {
    private static final Logger LOG = LogManager.getLogger(ClassificationMetrics.class);

    private final BertEncoder model;
    private final EncodedBatch validation;
    private final int[] labels;
    private final int batch;
    private final boolean paired;
    private final MetricsJsonl metrics;

    /**
     * @param validation the validation examples, {@code labels} their classes
     * @param batch      examples per forward pass
     * @param paired     adjacent examples are the two candidates of one item (class 1 = right)
     */
    ClassificationMetrics(BertEncoder model, EncodedBatch validation, int[] labels, int batch, boolean paired,
                          MetricsJsonl metrics) {
        this.model = model;
        this.validation = validation;
        this.labels = labels.clone();
        this.batch = batch;
        this.paired = paired;
        this.metrics = metrics;
    }

    @Override
    public void onValidation(long step, double valLoss) {
        INDArray probs = model.probabilities(validation, batch);
        Scores s = score(probs, labels);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step);
        row.put("val_accuracy", s.accuracy());
        row.put("val_macro_f1", s.macroF1());
        if (paired) {
            row.put("val_paired_accuracy", pairedAccuracy(probs, labels));
        }
        metrics.append(row);
        LOG.info("step {} | validation accuracy {} | macro-F1 {}", step, String.format("%.4f", s.accuracy()),
                String.format("%.4f", s.macroF1()));
    }

    /** Accuracy and macro-averaged F1 (F1 of a class with no gold and no predicted example counts as 0). */
    record Scores(double accuracy, double macroF1) {
    }

    /**
     * The share of adjacent pairs (rows 2g, 2g+1) in which the row with the higher probability of class 1 has gold
     * label 1.
     */
    static double pairedAccuracy(INDArray probs, int[] gold) {
        int correct = 0;
        for (int i = 0; i + 1 < gold.length; i += 2) {
            int pick = probs.getDouble(i, 1) >= probs.getDouble(i + 1, 1) ? i : i + 1;
            correct += gold[pick];
        }
        return correct / (gold.length / 2.0);
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
