package dev.sinter.encoders;

import java.util.Map;

/**
 * Pretrained encoder weights read from a file: the architecture they imply and the tensors by HF name, weights
 * {@code [out, in]}.
 *
 * @param source where they came from (file path or classpath resource), for messages and provenance
 */
public record ImportedEncoder(EncoderConfig config, Map<String, org.nd4j.linalg.api.ndarray.INDArray> weights,
                              String source) {
}
