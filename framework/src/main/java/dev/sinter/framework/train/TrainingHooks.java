package dev.sinter.framework.train;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a fine-tuning method plugs into {@link TrainingLoop}: which parameters train and how their gradients are
 * transformed. Loss terms are added to the graph by the method before the loop starts.
 */
public interface TrainingHooks {
    /** Names of the parameters that receive gradients and updates. */
    List<String> trainableParameters(TrainableModel model);

    /** Called with the accumulated (averaged) gradients before clipping; may modify them in place. */
    default void transformGradients(long step, Map<String, INDArray> gradients) {
    }

    /**
     * Adds the method's own placeholders to a batch's (e.g. dropout masks). {@code step} is the 1-based optimizer
     * step being computed and {@code micro} the micro-batch index; {@code training} is false for validation.
     */
    default void addPlaceholders(long step, int micro, boolean training, Map<String, INDArray> placeholders) {
    }

    /** All parameters train, gradients untouched. */
    static TrainingHooks allParameters() {
        return TrainableModel::parameterNames;
    }
}
