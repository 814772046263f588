package dev.sinter.models.family;

import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.transformer.LinearLayer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A built model of a {@link ModelFamily}, as trainers see it: the graph the loop trains, its parameters (HF names),
 * strict loading, the role map of its projections with their shapes, and a way to rebuild the same architecture with
 * other projection forms (LoRA adapters, SMT blocks, back to dense).
 */
public interface FamilyModel extends TrainableModel {
    /** The family this model belongs to. */
    ModelFamily family();

    /** The data type of the parameters. */
    DataType dataType();

    /** The targetable projections, layer by layer in graph order, with their {@code [out, in]} shapes. */
    List<Projection> projections();

    /**
     * The same architecture freshly built with its projections formed by {@code linearLayer} and seed 0; the caller
     * loads the weights. Method-added variables (adapters, blocks) are created by {@code linearLayer}.
     */
    FamilyModel rebuild(LinearLayer linearLayer);

    /**
     * Task-specific parameters that always train and may be absent from a base checkpoint (keeping their
     * initialisation), e.g. a classification head (PEFT's {@code modules_to_save}); default none.
     */
    default List<String> headParameters() {
        return List.of();
    }

    /** Metadata stored with the model's checkpoints, from which the architecture can be rebuilt. */
    Map<String, String> metadata();

    /**
     * Sets what every forward pass outside the training loop adds to its placeholders (e.g. LoRA's all-ones dropout
     * masks); training steps may overwrite them.
     */
    void setExtraInputs(Consumer<Map<String, INDArray>> extraInputs);

    /** Total number of scalar parameters (method-added variables excluded). */
    default long parameterCount() {
        return parameters().values().stream().mapToLong(INDArray::length).sum();
    }

    /** Copies of the current parameter values, in {@link #parameterNames()} order. */
    default Map<String, INDArray> parameterSnapshot() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        parameters().forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    /**
     * Copies {@code tensors} into the parameters, cast to {@link #dataType()}: every parameter must be present with
     * its exact shape, except {@link #headParameters()}, which keep their values when absent; a tensor that is not a
     * parameter is an error.
     *
     * @param source where the tensors came from, for error messages
     */
    default void loadParameters(Map<String, INDArray> tensors, String source) {
        Map<String, INDArray> mine = parameters();
        for (String name : tensors.keySet()) {
            if (!mine.containsKey(name)) {
                throw new IllegalArgumentException(source + ": unexpected tensor '" + name + "' (this " + family().name()
                        + " architecture has no such parameter; check the model config)");
            }
        }
        List<String> optional = headParameters();
        for (Map.Entry<String, INDArray> e : mine.entrySet()) {
            INDArray src = tensors.get(e.getKey());
            if (src == null) {
                if (optional.contains(e.getKey())) {
                    continue;
                }
                throw new IllegalArgumentException(source + ": missing tensor '" + e.getKey() + "' "
                        + Arrays.toString(e.getValue().shape()));
            }
            if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException(source + ": tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(src.shape()) + ", expected " + Arrays.toString(e.getValue().shape()));
            }
            e.getValue().assign(src.castTo(dataType()));
        }
    }
}
