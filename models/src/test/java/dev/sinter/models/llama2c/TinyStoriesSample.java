package dev.sinter.models.llama2c;

import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;

/**
 * The mean next-token NLL of a model on the committed TinyStories sample, scored as
 * {@code bench/stories260k_reference_nll.py} scores it: each story stripped, BOS + tokens, cut to seq_len + 1 tokens.
 */
public final class TinyStoriesSample {
    /** Mean NLL in nats over {@code tokens} predicted tokens. */
    public record Nll(double mean, long tokens) {
    }

    private TinyStoriesSample() {
    }

    public static Nll nll(TransformerModel model, Tokenizer tokenizer) throws IOException {
        String text = Files.readString(TestData.fixture("corpora/tinystories_sample.txt"));
        double nll = 0;
        long count = 0;
        for (String story : text.split("<\\|endoftext\\|>")) {
            if (story.isBlank()) {
                continue;
            }
            int[] ids = tokenizer.encode(story.strip(), true, false);
            ids = Arrays.copyOf(ids, Math.min(ids.length, model.config().maxSeqLen() + 1));
            nll += model.loss(new int[][]{ids}) * (ids.length - 1);
            count += ids.length - 1;
        }
        return new Nll(nll / count, count);
    }
}
