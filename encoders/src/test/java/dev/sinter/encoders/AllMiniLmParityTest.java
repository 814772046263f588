package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** all-MiniLM-L6-v2 against ONNX Runtime, its tokenizer ids and the published sentence-transformers embedding. */
class AllMiniLmParityTest extends ParityCheck {
    @Override
    PretrainedEncoder model() {
        return PretrainedEncoder.ALL_MINILM_L6_V2;
    }

    @Test
    void configIsInferredFromTheWeights() {
        assertEquals(new EncoderConfig(6, 384, 12, 1536, 30522, 512, 2, 1e-12, Pooling.MEAN), encoder.config());
        long n = encoder.parameters().values().stream().mapToLong(INDArray::length).sum();
        assertEquals(22_565_376L, n); // 22.7M on the model card includes the pooler, which this export leaves out
    }

    @Test
    void tokenizerIdsMatchHuggingFace() {
        assertArrayEquals(new int[]{101, 2023, 2003, 2019, 2742, 6251, 102}, tokenizer.ids("This is an example sentence"));
        assertArrayEquals(new int[]{101, 2169, 6251, 2003, 4991, 102}, tokenizer.ids("Each sentence is converted"));
    }

    @Test
    void reproducesThePublishedEmbedding() {
        INDArray e = encoder.output(tokenizer.encode(List.of("This is an example sentence"), 512),
                BertEncoder.SENTENCE_EMBEDDING).get(BertEncoder.SENTENCE_EMBEDDING);
        double[] published = {0.0676569, 0.0634960, 0.0487132, 0.0793050};
        for (int i = 0; i < published.length; i++) {
            assertEquals(published[i], e.getDouble(0, i), 1e-6, "component " + i);
        }
        assertEquals(1.0, e.norm2Number().doubleValue(), 1e-5);
    }
}
