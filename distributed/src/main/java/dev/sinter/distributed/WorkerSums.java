package dev.sinter.distributed;

import java.io.Serializable;

/**
 * What one worker returns for a step: the sums over its micro-batches, as flat C-order arrays.
 *
 * @param worker        the worker's index
 * @param loss          Σ of its micro-batches' losses
 * @param metricNames   the model's metric outputs ({@code metricOutputs()}), in order
 * @param metrics       Σ of each metric output
 * @param metricShapes  the metric outputs' shapes
 * @param gradients     Σ of each trainable variable's gradient, in {@link ReplicaSeed#trainable()} order
 * @param computeNanos  time spent in the forward and backward passes (the rest of the step is exchange overhead)
 */
record WorkerSums(int worker, double loss, String[] metricNames, float[][] metrics, long[][] metricShapes, float[][] gradients,
                  long computeNanos) implements Serializable {
    /** The sums without their arrays: what a worker returns when the arrays travel through {@link LocalHandoff}. */
    WorkerSums receipt() {
        return new WorkerSums(worker, loss, new String[0], new float[0][], new long[0][], new float[0][], computeNanos);
    }
}
