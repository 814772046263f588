package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.trainers.smt.SmtTrainerConfig;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.models.transformer.LinearLayer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** full / LoRA / SMT classification fine-tuning on a tiny random encoder: what trains, and that the loss falls. */
class EncoderFineTunerTest {
    private static final TrainingConfig TRAINING = new TrainingConfig(12, 8, 8, 3e-3, 3e-4, 0, 0.0, 0.9, 0.95, 1e-8,
            1.0, 1000, 1, 1);

    private static ImportedEncoder base() {
        BertEncoder e = BertEncoder.create(EncoderConfig.tiny(Pooling.MEAN), 0, DataType.FLOAT, 7, LinearLayer.DENSE);
        return new ImportedEncoder(e.config(), e.parameters(), "tiny");
    }

    /** Label 1 iff token 5 occurs: learnable from the pooled output. */
    private static EncodedBatch data(int[] labels) {
        SplittableRandom rng = new SplittableRandom(3);
        int[][] ids = new int[labels.length][10];
        int[][] mask = new int[labels.length][10];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 2;
            int len = 4 + rng.nextInt(7);
            for (int t = 0; t < len; t++) {
                ids[i][t] = 10 + rng.nextInt(90);
                mask[i][t] = 1;
            }
            if (labels[i] == 1) {
                ids[i][rng.nextInt(len)] = 5;
            }
        }
        return new EncodedBatch(ids, new int[labels.length][10], mask);
    }

    private static EncoderFineTuner.Result run(String method) {
        int[] labels = new int[32];
        EncodedBatch d = data(labels);
        ImportedEncoder base = base();
        EncoderFineTuner.Result r = EncoderFineTuner.train(base, d, labels, 2, method, TRAINING,
                new LoraTrainerConfig(4, 8, 0.0, List.of("q", "v")),
                SmtTrainerConfig.of(3, 16, null, 2, null, null, List.of("q", "k", "v")), 1);
        assertEquals(12, r.losses().size());
        double first = (r.losses().get(0) + r.losses().get(1)) / 2;
        double last = (r.losses().get(10) + r.losses().get(11)) / 2;
        assertTrue(last < first, method + " loss should fall: " + r.losses());
        INDArray probs = EncoderFineTuner.predict(r.model(), d, 16);
        assertEquals(32, probs.size(0));
        return r;
    }

    private static boolean changed(EncoderFineTuner.Result r, ImportedEncoder base, String name) {
        return !r.model().graph().getVariable(name).getArr().equals(base.weights().get(name));
    }

    @Test
    void fullTrainsEveryParameter() {
        EncoderFineTuner.Result r = run("full");
        assertTrue(changed(r, base(), BertNames.WORD));
        assertTrue(changed(r, base(), BertNames.layer(1, BertNames.DOWN) + ".weight"));
    }

    @Test
    void loraTrainsAdaptersAndHeadOnly() {
        EncoderFineTuner.Result r = run("lora");
        ImportedEncoder base = base();
        for (String n : base.weights().keySet()) {
            assertTrue(!changed(r, base, n), n + " must stay frozen");
        }
        assertTrue(r.model().graph().hasVariable("encoder.layer.0.self_attn.q_proj.lora_A.weight"));
        assertEquals(2L * 2 * 4 * (32 + 32) + 2 * 32 + 2, r.trainableParameters()); // 2 layers × {q, v} × r(in+out) + head
    }

    @Test
    void smtTrainsOnlyTheSelectedBlocksAfterWarmup() {
        EncoderFineTuner.Result r = run("smt");
        assertEquals(2, r.smtBlocks().size());
        assertTrue(r.smtBlocks().stream().allMatch(b -> List.of("q", "k", "v").contains(b.target())));
        assertEquals(2L * 16 * 16 + 2 * 32 + 2, r.trainableParameters());
        assertTrue(r.model().graph().variables().stream().noneMatch(v -> v.name().endsWith(".smt_blocks")),
                "the blocks are written back into a plain dense encoder");
    }

    @Test
    void llamaRolesNameTheBertProjections() {
        assertEquals("self_attn.q_proj", BertNames.llamaRole("encoder.layer.3.attention.self.query.weight"));
        assertEquals("mlp.down_proj", BertNames.llamaRole("encoder.layer.0.output.dense.weight"));
        assertEquals(null, BertNames.llamaRole("encoder.layer.0.output.dense.bias"));
    }
}
