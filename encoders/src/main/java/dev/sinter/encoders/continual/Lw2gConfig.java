package dev.sinter.encoders.continual;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LW2G's settings ({@code lw2g:} section), with the authors' defaults (papers.md §4.1).
 *
 * @param threshold            energy kept by a prompt set's feature subspace S_k after each task ({@code threshold},
 *                             0.95); in (0, 1]
 * @param thresholdPretrained  energy kept by the pre-trained subspace S_pre ({@code threshold_pretrained}, 0.95);
 *                             in (0, 1]
 * @param cpkLambda            strength λ of the soft CPK term g ← g − λ·g·P_pre ({@code threshold2}, 0.1); in (0, 1]
 * @param samplesPerClass      examples per class whose frozen prompt-layer outputs form S_pre (10, the authors'
 *                             {@code upper_num}); >= 1
 * @param featureExamples      training examples per task whose layer inputs update S_k (ours: 128, bounding the
 *                             forward pass; the authors take one batch); >= 1
 * @param fftInit              FFT: a new set starts as the mean of the old sets instead of uniform [-1, 1] (off)
 * @param pretrainedTasks      whose classes S_pre samples: {@code all} (the authors' {@code
 *                             get_pretrained_feature_and_space}: every class of every task of the data set, once per
 *                             run, so S_pre sees inputs of tasks not yet learned) or {@code first} (the first task's
 *                             classes only, no look-ahead)
 * @param center               subtract the features' mean before a subspace is built or grown (the authors' code
 *                             passes S_pre's and S_k's features through sklearn's PCA, which centres them; without it
 *                             the mean direction can hold over 95% of the σ⁴ energy and leave the subspaces empty);
 *                             default true
 */
public record Lw2gConfig(double threshold, double thresholdPretrained, double cpkLambda, int samplesPerClass,
                         int featureExamples, boolean fftInit, String pretrainedTasks, boolean center) {
    /** S_pre from every task's classes (the authors' code). */
    public static final String ALL_TASKS = "all";
    /** S_pre from the first task's classes only. */
    public static final String FIRST_TASK = "first";

    public Lw2gConfig {
        unitInterval("threshold", threshold);
        unitInterval("threshold_pretrained", thresholdPretrained);
        unitInterval("cpk_lambda", cpkLambda);
        if (samplesPerClass < 1) {
            throw new IllegalArgumentException("lw2g.samples_per_class must be >= 1, got " + samplesPerClass);
        }
        if (featureExamples < 1) {
            throw new IllegalArgumentException("lw2g.feature_examples must be >= 1, got " + featureExamples);
        }
        if (!ALL_TASKS.equals(pretrainedTasks) && !FIRST_TASK.equals(pretrainedTasks)) {
            throw new IllegalArgumentException("lw2g.pretrained_tasks must be 'all' or 'first', got '"
                    + pretrainedTasks + "'");
        }
    }

    /** Binds the YAML section; nulls take the authors' defaults. */
    @JsonCreator
    public static Lw2gConfig of(@JsonProperty("threshold") Double threshold,
                                @JsonProperty("threshold_pretrained") Double thresholdPretrained,
                                @JsonProperty("cpk_lambda") Double cpkLambda,
                                @JsonProperty("samples_per_class") Integer samplesPerClass,
                                @JsonProperty("feature_examples") Integer featureExamples,
                                @JsonProperty("fft_init") Boolean fftInit,
                                @JsonProperty("pretrained_tasks") String pretrainedTasks,
                                @JsonProperty("center") Boolean center) {
        return new Lw2gConfig(threshold == null ? 0.95 : threshold,
                thresholdPretrained == null ? 0.95 : thresholdPretrained, cpkLambda == null ? 0.1 : cpkLambda,
                samplesPerClass == null ? 10 : samplesPerClass, featureExamples == null ? 128 : featureExamples,
                fftInit != null && fftInit, pretrainedTasks == null ? ALL_TASKS : pretrainedTasks,
                center == null || center);
    }

    /** The authors' defaults. */
    public static Lw2gConfig defaults() {
        return of(null, null, null, null, null, null, null, null);
    }

    /**
     * The representation {@code [D, n]} a subspace is built from, given feature rows {@code [n, D]}: their
     * transpose, centred over the rows when {@link #center()}.
     */
    public INDArray representation(INDArray featureRows) {
        INDArray x = featureRows.castTo(DataType.DOUBLE);
        if (center) {
            x = x.subRowVector(x.mean(0));
        }
        return x.transpose().dup('c');
    }

    private static void unitInterval(String key, double value) {
        if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException("lw2g." + key + " must be in (0, 1], got " + value);
        }
    }
}
