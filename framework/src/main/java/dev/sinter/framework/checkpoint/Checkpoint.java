package dev.sinter.framework.checkpoint;

import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A checkpoint read back from disk.
 *
 * @param directory  the checkpoint directory
 * @param parameters model tensors by HF name
 * @param metadata   {@code model.safetensors} metadata (holds the model config as JSON)
 * @param optimizer  optimizer state tensors (empty for an exported model)
 * @param state      trainer state
 */
public record Checkpoint(Path directory, Map<String, INDArray> parameters, Map<String, String> metadata,
                         Map<String, INDArray> optimizer, TrainerState state) {
}
