package dev.sinter.encoders.continual;

import dev.sinter.encoders.EncodedBatch;
import dev.sinter.encoders.EncoderConfig;
import dev.sinter.encoders.TextClassificationData.Item;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The frozen pre-trained encoder the prompt learners build on: its architecture, its weights (every encoder
 * parameter, HF names) and how items become token batches (e.g. {@code TextClassificationData.encode(tok, items,
 * maxLength)} for an imported all-MiniLM-L6-v2).
 */
public record FrozenEncoder(EncoderConfig config, DataType dataType, Map<String, INDArray> weights,
                            Function<List<Item>, EncodedBatch> encode) {
    public FrozenEncoder {
        weights = Map.copyOf(weights);
    }
}
