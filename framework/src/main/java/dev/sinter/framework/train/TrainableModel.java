package dev.sinter.framework.train;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What the training loop needs from a model: its graph, its loss, its parameters and how to feed a batch. */
public interface TrainableModel {
    /** The SameDiff graph; parameters are its variables and their arrays are live. */
    SameDiff graph();

    /** Name of the scalar loss output. */
    String lossName();

    /** Parameter names in a stable order (HF names). */
    List<String> parameterNames();

    /** Placeholders for one batch of token windows {@code [B][T+1]}: inputs are the first T, labels the last T. */
    Map<String, INDArray> trainingPlaceholders(int[][] windows);

    /**
     * Placeholders for a validation batch {@code [B][T+1]}: like {@link #trainingPlaceholders} but in evaluation
     * mode (a model with training-only randomness, such as MoE routing noise, turns it off here).
     */
    default Map<String, INDArray> validationPlaceholders(int[][] windows) {
        return trainingPlaceholders(windows);
    }

    /** Extra graph outputs computed with the loss at every training micro-batch (e.g. MoE expert loads). */
    default List<String> metricOutputs() {
        return List.of();
    }

    /**
     * Named scalars of one optimizer step, from the {@link #metricOutputs()} summed over its {@code microBatches}
     * micro-batches; they reach listeners as {@link StepMetrics#extra()}.
     */
    default Map<String, Double> stepMetrics(Map<String, INDArray> summedOutputs, int microBatches) {
        return Map.of();
    }

    /** The live parameter arrays by name, in {@link #parameterNames()} order. */
    default Map<String, INDArray> parameters() {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        for (String n : parameterNames()) {
            out.put(n, graph().getVariable(n).getArr());
        }
        return out;
    }
}
