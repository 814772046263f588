package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** bge-small-en-v1.5 (12 layers, CLS pooling) against ONNX Runtime. */
class BgeSmallParityTest extends ParityCheck {
    @Override
    PretrainedEncoder model() {
        return PretrainedEncoder.BGE_SMALL_EN_V15;
    }

    @Test
    void configIsInferredFromTheWeights() {
        assertEquals(new EncoderConfig(12, 384, 12, 1536, 30522, 512, 2, 1e-12, Pooling.CLS), encoder.config());
    }

    @Test
    void tokenizerIdsMatchHuggingFace() {
        assertArrayEquals(new int[]{101, 2023, 2003, 2019, 2742, 6251, 102}, tokenizer.ids("This is an example sentence"));
    }
}
