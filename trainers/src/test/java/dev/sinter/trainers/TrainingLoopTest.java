package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Properties of the training engine that hold for every method. */
class TrainingLoopTest {

    @Test
    void microBatchAccumulationEqualsOneLargeBatch() {
        int[] tokens = new SplittableRandom(3).ints(4000, 0, 200).toArray();
        Run big = train(tokens, 8, 8);
        Run accumulated = train(tokens, 8, 2);
        for (int i = 0; i < big.losses.size(); i++) {
            assertEquals(big.losses.get(i), accumulated.losses.get(i), 1e-10, "loss of step " + (i + 1));
        }
        for (Map.Entry<String, INDArray> e : big.params.entrySet()) {
            INDArray other = accumulated.params.get(e.getKey());
            assertEquals(0, e.getValue().sub(other).amaxNumber().doubleValue(), 1e-9, e.getKey());
        }
    }

    private record Run(List<Double> losses, Map<String, INDArray> params) {
    }

    private static Run train(int[] tokens, int batch, int micro) {
        TransformerModel m = TransformerModel.create(ModelPreset.registry().get("tiny").config(), DataType.DOUBLE, 11);
        TrainingConfig tc = TrainingConfig.of(4, batch, micro, 1e-2, 1e-3, 1, 0.1, 0.9, 0.95, 1e-8, 0.5, 100, 1, 10);
        List<Double> losses = new ArrayList<>();
        new TrainingLoop(m, tc, TrainingHooks.allParameters(), new BatchSampler(tokens, 16, 5), new int[0][])
                .addListener(new TrainingListener() {
                    @Override
                    public void onStep(StepMetrics s) {
                        losses.add(s.loss());
                    }
                }).run();
        return new Run(losses, m.parameterSnapshot());
    }
}
