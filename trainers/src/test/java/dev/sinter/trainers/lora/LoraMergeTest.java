package dev.sinter.trainers.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.transformer.TransformerModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import dev.sinter.models.transformer.DecoderFamily;

/** LoRA's adapted graph against its merge and against finite differences. */
class LoraMergeTest {
    final LoraTrainerConfig cfg = new LoraTrainerConfig(3, 6, 0.2, List.of("q", "k", "v", "o", "gate", "up", "down"));

    TransformerModel adapted(LoraTrainer t) {
        ModelConfig tiny = ModelPreset.registry().get("tiny").config();
        TransformerModel m = TransformerModel.create(tiny, DataType.DOUBLE, 4,
                t.linearLayer(DecoderFamily.projections(tiny)));
        // B starts at zero; give it values so the adapters matter
        for (String n : t.trainableParameters(m)) {
            if (n.endsWith("lora_B.weight")) {
                INDArray b = m.graph().getVariable(n).getArr();
                b.assign(Nd4j.rand(DataType.DOUBLE, b.shape()).subi(0.5));
            }
        }
        return m;
    }

    @Test
    void mergedModelGivesTheAdaptedModelsOutputs() {
        LoraTrainer t = new LoraTrainer(cfg, 1, null);
        TransformerModel m = adapted(t);
        int[][] ids = {{5, 9, 2, 7, 3, 1}};
        Map<String, INDArray> ph = m.inputPlaceholders(ids);
        t.addInferencePlaceholders(ph);
        INDArray viaAdapters = m.graph().output(ph, TransformerModel.LOGITS).get(TransformerModel.LOGITS);
        t.trainable(m); // registers the no-dropout masks for plain forward passes (probes, samples)
        assertEquals(viaAdapters, m.logits(ids));
        TransformerModel merged = (TransformerModel) t.finalModel(m);
        double maxDiff = viaAdapters.sub(merged.logits(ids)).amaxNumber().doubleValue();
        assertEquals(0, maxDiff, 1e-12);
        INDArray base = TransformerModel.create(m.config(), DataType.DOUBLE, 4).logits(ids);
        assertTrue(base.sub(viaAdapters).amaxNumber().doubleValue() > 1e-3, "adapters must change the output");
    }

    @Test
    void adapterGradientsMatchFiniteDifferences() {
        LoraTrainer t = new LoraTrainer(new LoraTrainerConfig(2, 4, 0, List.of("q", "v", "down")), 2, null);
        TransformerModel m = adapted(t);
        Map<String, INDArray> ph = m.trainingPlaceholders(new int[][]{{1, 5, 2, 7, 3}, {4, 4, 8, 1, 6}});
        GradientCheck.check(m.graph(), ph, TransformerModel.LOSS, t.trainableParameters(m), 8, 1e-5);
    }
}
