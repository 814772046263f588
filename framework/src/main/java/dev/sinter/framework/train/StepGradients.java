package dev.sinter.framework.train;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where {@link TrainingLoop} gets one optimizer step's gradients: the forward and backward passes of the step's
 * micro-batches, summed. By default the loop's own model computes them one micro-batch after the other
 * ({@link TrainingLoop#computeGradientsWith}); a data-parallel engine hands the micro-batches to replicas and sums what
 * they return. Either way the loop averages, clips and applies AdamW itself, so the update is the same.
 */
@FunctionalInterface
public interface StepGradients {
    /**
     * Sums over {@code microBatches} (each {@code [b][T+1]} token windows; micro-batch {@code i} is passed to
     * {@link TrainingHooks#addPlaceholders} as index {@code i}) of the loss, the model's metric outputs and the
     * gradients of {@code trainable}.
     *
     * @param step the 1-based optimizer step being computed
     */
    Sums compute(long step, List<int[][]> microBatches, List<String> trainable);

    /**
     * What a step's passes add up to.
     *
     * @param loss      Σ of the micro-batches' mean losses
     * @param metrics   Σ of each {@link TrainableModel#metricOutputs()} output
     * @param gradients Σ of each trainable variable's gradient, by name; the arrays are the loop's to modify
     */
    record Sums(double loss, Map<String, INDArray> metrics, Map<String, INDArray> gradients) {
    }
}
