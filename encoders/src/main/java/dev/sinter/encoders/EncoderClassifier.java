package dev.sinter.encoders;

import dev.sinter.framework.train.TrainableModel;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An encoder with a classification head as the training loop sees it. The loop's {@code BatchSampler} runs over the
 * example indices ({@link #indexStream}, windows of one index plus its successor), so shuffling, epochs and resume
 * come from the framework; a window's first element selects the example.
 */
public final class EncoderClassifier implements TrainableModel {
    private final BertEncoder encoder;
    private final EncodedBatch examples;
    private final int[] labels;

    public EncoderClassifier(BertEncoder encoder, EncodedBatch examples, int[] labels) {
        if (encoder.numClasses() < 2) {
            throw new IllegalArgumentException("the encoder has no classification head");
        }
        if (labels.length != examples.batchSize()) {
            throw new IllegalArgumentException(labels.length + " labels for " + examples.batchSize() + " examples");
        }
        this.encoder = encoder;
        this.examples = examples;
        this.labels = labels.clone();
    }

    /** The token stream for {@code new BatchSampler(indexStream(n), 1, seed)}: 0, 1, …, n. */
    public static int[] indexStream(int n) {
        int[] s = new int[n + 1];
        for (int i = 0; i <= n; i++) {
            s[i] = i;
        }
        return s;
    }

    public int exampleCount() {
        return labels.length;
    }

    public BertEncoder encoder() {
        return encoder;
    }

    @Override
    public org.nd4j.autodiff.samediff.SameDiff graph() {
        return encoder.graph();
    }

    @Override
    public String lossName() {
        return BertEncoder.LOSS;
    }

    @Override
    public List<String> parameterNames() {
        return encoder.parameterNames();
    }

    @Override
    public Map<String, INDArray> trainingPlaceholders(int[][] windows) {
        int[] rows = new int[windows.length];
        int[] y = new int[windows.length];
        for (int i = 0; i < windows.length; i++) {
            rows[i] = windows[i][0];
            y[i] = labels[rows[i]];
        }
        Map<String, INDArray> ph = examples.select(rows).placeholders(encoder.dataType());
        ph.put(BertEncoder.LABELS, Nd4j.createFromArray(y));
        return ph;
    }
}
