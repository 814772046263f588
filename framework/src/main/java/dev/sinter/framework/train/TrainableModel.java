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

    /** The live parameter arrays by name, in {@link #parameterNames()} order. */
    default Map<String, INDArray> parameters() {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        for (String n : parameterNames()) {
            out.put(n, graph().getVariable(n).getArr());
        }
        return out;
    }
}
