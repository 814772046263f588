package dev.sinter.models.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The KV-cache decoder on the real pretrained stories260K model. */
class Stories260KDecodeTest {
    private static final int TOKENS = 60;

    @Test
    void greedyFromBosFollowsTheGraphAndTellsThePublishedStory() throws IOException {
        TransformerModel model = Llama2cCheckpoint.load(TestData.fixture("models/stories260K/stories260K.bin"));
        Llama2cTokenizer tokenizer = Llama2cTokenizer.load(TestData.fixture("models/stories260K/tok512.bin"));
        // the reference: greedy decoding through the SameDiff graph, the whole sequence re-run for every token
        int[] seq = {tokenizer.bos()};
        for (int i = 0; i < TOKENS; i++) {
            int next = model.logits(new int[][]{seq}).slice(0).getRow(seq.length - 1).argMax().getInt(0);
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = next;
        }
        int[] expected = Arrays.copyOfRange(seq, 1, seq.length);

        int[] got = new Generator(model).generate(new int[]{tokenizer.bos()},
                new Generator.Settings(TOKENS, 0, 1, 0, -1), id -> { });
        assertArrayEquals(expected, got);
        String text = tokenizer.decode(got);
        assertTrue(text.startsWith("Once upon a time, there was a little girl named Lily."), text);
    }
}
