package dev.sinter.models.transformer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.ModelPresets;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.samediff.SameDiffRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A training step of the transformer avoids M2.1's slow backward ops: no {@code softmax_bp} (composed instead) and
 * no broadcasting {@code multiply_bp} (the norms apply their factors as same-shape products).
 */
class BackwardOpsTest {

    @Test
    void trainingStepRunsNoSoftmaxBpAndNoBroadcastingMultiplyBp() {
        SameDiffRuntime.init();
        TransformerModel m = TransformerModel.create(ModelPresets.get("tiny").orElseThrow(), DataType.FLOAT, 1);
        List<String> executed = new ArrayList<>();
        List<String> broadcasting = new ArrayList<>();
        m.graph().setListeners(new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return true;
            }

            @Override
            public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx,
                                    INDArray[] outputs) {
                String name = op.getOp().opName();
                executed.add(name);
                if (name.equals("multiply_bp")) {
                    INDArray[] in = ctx.getInputArrays().toArray(new INDArray[0]);
                    if (!Arrays.equals(in[0].shape(), in[1].shape())) {
                        broadcasting.add(Arrays.toString(in[0].shape()) + " × " + Arrays.toString(in[1].shape()));
                    }
                }
            }
        });
        int[][] windows = {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {9, 8, 7, 6, 5, 4, 3, 2, 1}};
        PooledExecution.gradients(m.graph(), m.trainingPlaceholders(windows), List.of(TransformerModel.LOSS),
                m.parameters().keySet());
        assertTrue(executed.contains("softmax") && executed.contains("multiply_bp"), executed.toString());
        assertFalse(executed.contains("softmax_bp"), "softmax_bp ran");
        assertTrue(broadcasting.isEmpty(), "broadcasting multiply_bp: " + broadcasting);
    }
}
