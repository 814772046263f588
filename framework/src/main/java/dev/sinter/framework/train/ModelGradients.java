package dev.sinter.framework.train;

import dev.sinter.framework.samediff.PooledExecution;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradients of micro-batches on one model, one pass after the other: the {@link StepGradients} of a
 * single-process {@link TrainingLoop}, and what each replica of a data-parallel run computes for its share.
 */
public final class ModelGradients implements StepGradients {
    private final TrainableModel model;
    private final TrainingHooks hooks;

    public ModelGradients(TrainableModel model, TrainingHooks hooks) {
        this.model = model;
        this.hooks = hooks;
    }

    @Override
    public Sums compute(long step, List<int[][]> microBatches, List<String> trainable) {
        return compute(step, microBatches, 0, trainable);
    }

    /**
     * The sums of {@code microBatches}, the first of which is micro-batch {@code firstMicro} of the step (the index
     * the hooks see, e.g. to seed LoRA's dropout masks). With one micro-batch the gradient arrays are the session's
     * own, valid until this model's next pass on this thread.
     */
    public Sums compute(long step, List<int[][]> microBatches, int firstMicro, List<String> trainable) {
        Map<String, INDArray> grads = new LinkedHashMap<>();
        Map<String, INDArray> metricSums = new LinkedHashMap<>();
        double lossSum = 0;
        List<String> outputs = new ArrayList<>(List.of(model.lossName()));
        outputs.addAll(model.metricOutputs());
        boolean single = microBatches.size() == 1;
        for (int i = 0; i < microBatches.size(); i++) {
            Map<String, INDArray> ph = model.trainingPlaceholders(microBatches.get(i));
            hooks.addPlaceholders(step, firstMicro + i, true, ph);
            OutAndGrad r = PooledExecution.gradients(model.graph(), ph, outputs, trainable);
            lossSum += r.getOutputs().get(model.lossName()).getDouble(0);
            for (String name : model.metricOutputs()) {
                metricSums.merge(name, r.getOutputs().get(name).dup(), INDArray::addi);
            }
            for (String name : trainable) {
                INDArray g = r.getGradients().get(name);
                // one micro-batch: the session's gradient array as it is (it is not reused before the caller's update)
                grads.merge(name, single ? g : g.dup(), INDArray::addi);
            }
        }
        return new Sums(lossSum, metricSums, grads);
    }
}
