package dev.sinter.framework.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** Appends one JSON object per step (and per validation) to {@code metrics.jsonl}. */
public final class MetricsJsonl implements TrainingListener {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final Path file;

    public MetricsJsonl(Path file) {
        this.file = file;
    }

    @Override
    public void onStep(StepMetrics m) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", m.step());
        row.put("loss", m.loss());
        row.put("lr", m.lr());
        row.put("grad_norm", m.gradNorm());
        row.put("tokens_per_s", m.tokensPerSecond());
        row.put("step_s", m.stepSeconds());
        row.put("tokens", m.tokensSeen());
        row.putAll(new java.util.TreeMap<>(m.extra()));
        append(row);
    }

    @Override
    public void onValidation(long step, double valLoss) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step);
        row.put("val_loss", valLoss);
        append(row);
    }

    /** Appends an arbitrary metrics row (other listeners, e.g. analyses during training). */
    public void append(Map<String, Object> row) {
        try {
            Files.writeString(file, JSON.writeValueAsString(row) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }
}
