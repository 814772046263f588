package dev.sinter.trainers.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.transformer.DecoderFamily;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.models.transformer.TransformerModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LoRA on the fused q/k/v product (one base product, an adapter per target) is LoRA on one product per weight: the
 * same loss and the same adapter gradients, with some of the three projections adapted and some not.
 */
class LoraFusedBaseTest {

    @Test
    void fusedBaseGivesTheLossAndAdapterGradientsOfOneProductPerWeight() {
        LoraTrainerConfig cfg = new LoraTrainerConfig(2, 4, 0, List.of("q", "v", "down")); // k_proj not adapted
        // the tiny preset with as many KV heads as query heads: q, k and v of one width run as one product
        ModelConfig tiny = ModelPreset.registry().get("tiny").config().toBuilder().nKvHeads(4).build();
        LoraTrainer fusedTrainer = new LoraTrainer(cfg, 5, null);
        LoraTrainer separateTrainer = new LoraTrainer(cfg, 5, null);
        LinearLayer lora = separateTrainer.linearLayer(DecoderFamily.projections(tiny));
        LinearLayer perProjection = lora::apply; // LinearLayer.applyShared's default: one product per weight
        TransformerModel fused = withAdapterValues(TransformerModel.create(tiny, DataType.DOUBLE, 4,
                fusedTrainer.linearLayer(DecoderFamily.projections(tiny))), fusedTrainer);
        TransformerModel separate = withAdapterValues(TransformerModel.create(tiny, DataType.DOUBLE, 4, perProjection),
                separateTrainer);
        List<String> adapters = fusedTrainer.trainableParameters(fused);
        assertEquals(separateTrainer.trainableParameters(separate), adapters);
        assertTrue(adapters.stream().anyMatch(n -> n.contains("q_proj.lora_A")), adapters.toString());
        int[][] windows = {{1, 5, 2, 7, 3, 0}, {4, 4, 8, 1, 6, 2}};
        Map<String, INDArray> a = gradients(fused, windows, adapters);
        Map<String, INDArray> b = gradients(separate, windows, adapters);
        assertEquals(separate.loss(windows), fused.loss(windows), 1e-13);
        for (String n : adapters) {
            assertTrue(a.get(n).equalsWithEps(b.get(n), 1e-12), n + ": " + a.get(n) + " vs " + b.get(n));
            assertTrue(a.get(n).amaxNumber().doubleValue() > 0, n + " got no gradient");
        }
    }

    /** B starts at zero; the same pseudo-random values in both models make the adapters matter. */
    private static TransformerModel withAdapterValues(TransformerModel m, LoraTrainer t) {
        Nd4j.getRandom().setSeed(9);
        for (String n : t.trainableParameters(m)) {
            if (n.endsWith("lora_B.weight")) {
                INDArray b = m.graph().getVariable(n).getArr();
                b.assign(Nd4j.rand(DataType.DOUBLE, b.shape()).subi(0.5));
            }
        }
        return m;
    }

    private static Map<String, INDArray> gradients(TransformerModel m, int[][] windows, List<String> wrt) {
        Map<String, INDArray> copy = new HashMap<>(); // the pool reuses the arrays on the next call
        PooledExecution.gradients(m.graph(), m.trainingPlaceholders(windows), List.of(TransformerModel.LOSS), wrt)
                .getGradients().forEach((k, v) -> copy.put(k, v.dup()));
        return copy;
    }
}
