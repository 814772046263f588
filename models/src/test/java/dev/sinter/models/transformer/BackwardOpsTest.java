package dev.sinter.models.transformer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.testing.OpRecorder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A training step of the transformer avoids M2.1's slow backward ops: attention's masked softmax, SwiGLU, RMSNorm and
 * the cross-entropy run as fused Java-kernel ops both ways (no {@code softmax}, {@code softmax_bp}, {@code sigmoid},
 * {@code sigmoid_bp}, {@code _swishderivative}, {@code log_softmax} or {@code onehot}), and no broadcasting
 * {@code multiply_bp} or {@code add_bp} (the causal bias is broadcast once per pass).
 */
class BackwardOpsTest {

    @Test
    void trainingStepRunsNoSlowBackwardOps() {
        SameDiffRuntime.init();
        TransformerModel m = TransformerModel.create(ModelPreset.registry().get("tiny").config(), DataType.FLOAT, 1);
        OpRecorder recorder = OpRecorder.attach(m.graph());
        int[][] windows = {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {9, 8, 7, 6, 5, 4, 3, 2, 1}};
        PooledExecution.gradients(m.graph(), m.trainingPlaceholders(windows), List.of(TransformerModel.LOSS),
                m.parameters().keySet());
        List<String> executed = recorder.names();
        List<String> broadcasting = recorder.executed().stream()
                .filter(e -> (e.name().equals("multiply_bp") || e.name().equals("add_bp"))
                        && !Arrays.equals(e.inputShapes().get(0), e.inputShapes().get(1)))
                .map(e -> e.name() + " " + Arrays.toString(e.inputShapes().get(0)) + " × " + Arrays.toString(e.inputShapes().get(1)))
                .toList();
        assertTrue(executed.containsAll(List.of("sinter_biased_softmax", "sinter_softmax_bp")), executed.toString());
        // RoPE's products with the cos/sin tables were the step's last elementwise products; now fused
        assertFalse(executed.contains("multiply_bp"), executed.toString());
        assertFalse(executed.contains("softmax_bp") || executed.contains("softmax"), "libnd4j's softmax ran");
        assertTrue(executed.containsAll(List.of("sinter_swiglu", "sinter_swiglu_bp", "sinter_rms_norm",
                "sinter_rms_norm_bp", "sinter_cross_entropy", "sinter_cross_entropy_bp")), executed.toString());
        assertFalse(executed.contains("log_softmax") || executed.contains("onehot"), executed.toString());
        assertTrue(executed.containsAll(List.of("sinter_rope", "sinter_rope_bp")), executed.toString());
        // the embedding's gradient: one Java scatter-add, no zero table and libnd4j scatter_add
        assertTrue(executed.contains("sinter_gather_bp"), executed.toString());
        assertFalse(executed.contains("scatter_add") || executed.contains("zeroslike"), executed.toString());
        assertFalse(executed.contains("sigmoid") || executed.contains("sigmoid_bp")
                || executed.contains("_swishderivative"), executed.toString());
        assertTrue(broadcasting.isEmpty(), "broadcasting backward ops: " + broadcasting);
    }
}
