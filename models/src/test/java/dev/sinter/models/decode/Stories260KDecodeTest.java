package dev.sinter.models.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.testing.SharedData;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The KV-cache decoder on the real pretrained stories260K model. */
class Stories260KDecodeTest {
    private static final int TOKENS = 60;

    @Test
    void greedyFromBosGivesTheGeneratorsIdsAndThePublishedStory() throws IOException {
        TransformerModel model = Llama2cCheckpoint.load(
                SharedData.require("data/models/stories260K/stories260K.bin"));
        Llama2cTokenizer tokenizer = Llama2cTokenizer.load(SharedData.require("data/models/stories260K/tok512.bin"));
        int[] expected = new Generator(model).generate(new int[]{tokenizer.bos()},
                new Generator.Settings(TOKENS, 0, 1, 0, -1), id -> { });

        KvCacheDecoder decoder = KvCacheDecoder.of(model);
        int[] got = new int[TOKENS];
        int token = tokenizer.bos();
        for (int i = 0; i < TOKENS; i++) {
            token = argmax(decoder.step(token));
            got[i] = token;
        }
        assertArrayEquals(expected, got);
        String text = tokenizer.decode(got);
        assertTrue(text.startsWith("Once upon a time, there was a little girl named Lily."), text);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
