package dev.sinter.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.ModelIO;
import dev.sinter.models.hf.HfExporter;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code model.from} an HF directory: a Qwen2-style model with q/k/v biases fine-tunes, checkpoints and exports. */
class HfModelFromTest {
    @Test
    void fineTunesAnHfQwen2DirectoryAndItsBiasesTrainAndSurviveTheCheckpoint(@TempDir Path dir) throws IOException {
        ModelConfig qwen = ModelPreset.registry().get("tiny").config().withRopeStyle("half").withAttentionBias(true);
        TransformerModel base = TransformerModel.create(qwen, DataType.FLOAT, 3);
        INDArray bias = Nd4j.linspace(DataType.FLOAT, -0.5, 0.05, qwen.dim());
        base.parameters().get(ParameterNames.attnBias(0, "q")).assign(bias);
        Path hf = dir.resolve("hf");
        HfExporter.export(base, hf, 256, 257);

        TrainingRun.Result r = new TrainingRun(TrainingRunTest.config(dir, "qwen", "model.from=" + hf,
                "training.steps=6", "training.eval_every=3", "checkpoint.every=6")).execute();
        TransformerModel tuned = ModelIO.load(r.runDir());
        assertEquals(qwen, tuned.config(), "the checkpoint keeps attention_bias and rope_style half");
        INDArray after = tuned.parameters().get(ParameterNames.attnBias(0, "q"));
        assertNotEquals(bias, after, "q bias trains");
        assertTrue(after.sub(bias).amaxNumber().doubleValue() < 0.1, "and starts from the imported values");

        Path out = dir.resolve("hf-tuned");
        HfExporter.export(tuned, out, 256, 257);
        int[][] ids = {{256, 84, 104, 101, 32, 99}};
        assertEquals(0.0, tuned.logits(ids).sub(ModelIO.load(out).logits(ids)).amaxNumber().doubleValue());
    }
}
