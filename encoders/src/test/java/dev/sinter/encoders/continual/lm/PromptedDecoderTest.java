package dev.sinter.encoders.continual.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.TestData;
import dev.sinter.models.ModelIO;
import dev.sinter.models.prompt.PrefixPrompts;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The prompted stories260K: masked prefixes leave the real model's loss and logits bit for bit unchanged. */
class PromptedDecoderTest {
    @Test
    void maskedPrefixesLeaveStories260KUnchangedAndActiveOnesMoveIt() throws IOException {
        TransformerModel frozen = ModelIO.load(TestData.fixture("models/stories260K/stories260K.bin"));
        var cfg = frozen.config();
        PromptedDecoder m = new PromptedDecoder(frozen, new PrefixPrompts(2, 5, cfg.nKvHeads(), cfg.headDim(),
                new TreeSet<>(List.of(1, 2)), frozen.dataType()));
        for (String name : m.parameterNames()) {
            m.variable(name).assign(Nd4j.rand(frozen.dataType(), m.variable(name).shape()).subi(0.5));
        }
        int[][] windows = {{1, 403, 261, 378, 300, 290, 266, 350, 262}, {1, 500, 280, 301, 259, 412, 333, 290, 270}};
        Map<String, INDArray> ph = m.placeholders(windows, new int[]{-1, -1});
        INDArray prompted = m.graph().output(ph, TransformerModel.LOGITS).get(TransformerModel.LOGITS);
        assertEquals(0.0, prompted.sub(frozen.logits(trimmed(windows))).amaxNumber().doubleValue(), 0.0);
        assertEquals(frozen.loss(windows), m.loss(windows, new int[]{-1, -1}), 0.0);
        assertTrue(Math.abs(m.loss(windows, new int[]{0, 1}) - frozen.loss(windows)) > 1e-3, "active prompts act");
        assertEquals(List.of(2L, (long) cfg.dim()), List.of(m.pooledQueries(windows).shape()[0],
                m.pooledQueries(windows).shape()[1]));
    }

    private static int[][] trimmed(int[][] windows) {
        int[][] out = new int[windows.length][];
        for (int i = 0; i < windows.length; i++) {
            out[i] = java.util.Arrays.copyOf(windows[i], windows[i].length - 1);
        }
        return out;
    }
}
