package dev.sinter.trainers.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.transformer.DecoderFamily;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** LoRA on a PR-MoE: gate/up/down adapters on every expert and on the residual MLP. */
class LoraMoeTest {
    static final ModelConfig PRMOE = ModelPreset.registry().get("tiny-prmoe").config(); // experts [4, 8], residual

    @Test
    void adaptersReachEveryExpertAndTheSharedMlpAndMergeExactly() {
        LoraTrainer t = new LoraTrainer(new LoraTrainerConfig(2, 4, 0, List.of("q", "gate", "up", "down")), 3, null);
        TransformerModel m = TransformerModel.create(PRMOE, DataType.DOUBLE, 5,
                t.linearLayer(DecoderFamily.projections(PRMOE)));
        List<String> expected = new ArrayList<>();
        for (int layer = 0; layer < 2; layer++) {
            List<String> blocks = new ArrayList<>();
            for (int e = 0; e < PRMOE.expertsAt(layer); e++) {
                blocks.add("experts." + e);
            }
            blocks.add("shared");
            for (String b : blocks) {
                for (String p : List.of("gate", "up", "down")) {
                    expected.add("model.layers." + layer + ".mlp." + b + "." + p + "_proj.lora_B.weight");
                }
            }
        }
        List<String> trainable = t.trainableParameters(m);
        assertTrue(trainable.containsAll(expected), "every expert and the shared MLP of both layers: " + trainable);
        assertEquals(2 * (2 + expected.size()), trainable.size(), "A and B for q (2 layers) and every MLP projection");

        SplittableRandom rng = new SplittableRandom(1);
        for (String n : trainable) { // B starts at zero; give it values so the adapters matter
            if (n.endsWith("lora_B.weight")) {
                INDArray b = m.graph().getVariable(n).getArr();
                b.assign(Nd4j.rand(DataType.DOUBLE, b.shape()).subi(0.5));
            }
        }
        int[][] windows = new int[4][31];
        for (int[] w : windows) {
            for (int i = 0; i < w.length; i++) {
                w[i] = rng.nextInt(PRMOE.vocabSize());
            }
        }
        Map<String, INDArray> ph = m.trainingPlaceholders(windows);
        Map<String, INDArray> grads = SameDiffRuntime.quietly(() -> m.graph().calculateGradients(ph, trainable));
        for (String n : trainable) {
            assertTrue(grads.get(n).norm2Number().doubleValue() > 0, "no gradient reaches " + n);
        }
        List<String> expertAdapters = trainable.stream().filter(n -> n.contains("experts.1.")
                || n.contains("shared.down")).toList();
        GradientCheck.check(m.graph(), ph, TransformerModel.LOSS, expertAdapters, 2, 1e-5);

        int[][] ids = {windows[0]};
        t.trainable(m);
        INDArray viaAdapters = m.logits(ids);
        INDArray base = TransformerModel.create(PRMOE, DataType.DOUBLE, 5).logits(ids);
        assertTrue(base.sub(viaAdapters).amaxNumber().doubleValue() > 1e-3, "adapters must change the output");
        TransformerModel merged = (TransformerModel) t.finalModel(m);
        assertEquals(0, viaAdapters.sub(merged.logits(ids)).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void dropoutOnExpertAdaptersIsRefusedWithTheFix() {
        LoraTrainer t = new LoraTrainer(new LoraTrainerConfig(2, 4, 0.05, List.of("q", "up")), 3, null);
        UsageException e = assertThrows(UsageException.class, () -> t.linearLayer(DecoderFamily.projections(PRMOE)));
        assertTrue(e.getMessage().contains("set trainer.dropout=0"), e.getMessage());
        // attention-only targets keep dropout on an MoE model
        new LoraTrainer(new LoraTrainerConfig(2, 4, 0.05, List.of("q", "v")), 3, null)
                .linearLayer(DecoderFamily.projections(PRMOE));
    }
}
