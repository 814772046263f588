package dev.sinter.encoders;

import dev.sinter.framework.util.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Fixtures of the encoder run tests: a tiny random BERT (2 layers, d 32) with all-MiniLM-L6-v2's word-piece
 * vocabulary saved as an encoder directory, and a classification run config on the committed BoolQ slice.
 */
final class EncoderRuns {
    private static final JsonMapper JSON = Json.mapper();

    private EncoderRuns() {
    }

    /** Saves the tiny encoder (seed 7) under {@code dir/tiny-bert} and returns that directory. */
    static Path tinyEncoder(Path dir) throws IOException {
        EncoderConfig cfg = new EncoderConfig(2, 32, 4, 64, 30522, 64, 2, 1e-12, Pooling.MEAN);
        BertEncoder e = BertEncoder.create(cfg, 0, DataType.FLOAT, 7, LinearLayer.DENSE);
        Path out = dir.resolve("tiny-bert");
        EncoderSource.save(out, e, PretrainedEncoder.ALL_MINILM_L6_V2.tokenizerJson(), Map.of());
        return out;
    }

    /**
     * A classification run of the tiny encoder on the BoolQ slice (24 train, 6 validation examples): 8 steps of 4,
     * validation and checkpoints every 4 steps.
     */
    static RunConfig config(Path dir, Path encoder, String name, String... overrides) {
        String yaml = String.join("\n",
                "name: " + name,
                "output_dir: " + dir,
                "seed: 3",
                "model: {from: \"encoder:" + encoder + "\"}",
                "task: {type: classification, format: boolq, train: " + TestData.fixture("eval/boolq.jsonl")
                        + ", validation_size: 6, max_length: 48}",
                "training: {steps: 8, batch_size: 4, lr: 3.0e-3, warmup_steps: 2, eval_every: 4}",
                "checkpoint: {every: 4}");
        return RunConfig.loadString(yaml, name + ".yaml", List.of(overrides));
    }

    /** A listener that fails the run when step {@code step} completes: a crash after the last checkpoint. */
    static TrainingListener crashAt(long step) {
        return new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.step() == step) {
                    throw new IllegalStateException("simulated crash at step " + step);
                }
            }
        };
    }

    /** {@code metric} per step from a run's {@code metrics.jsonl}. */
    static Map<Long, Double> metric(Path runDir, String metric) throws IOException {
        Map<Long, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has(metric)) {
                out.put(n.get("step").asLong(), n.get(metric).asDouble());
            }
        }
        return out;
    }
}
