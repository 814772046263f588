package dev.sinter.framework.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Appends one JSON object per step (and per validation) to {@code metrics.jsonl}. Every row carries its {@code step};
 * a run writes all rows of a step before that step's checkpoint, so {@link #keepThrough} can make the file match the
 * checkpoint a resumed run continues from.
 */
public final class MetricsJsonl implements TrainingListener {
    private static final Logger LOG = LogManager.getLogger(MetricsJsonl.class);
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

    /**
     * Makes {@code file} hold exactly the rows of a run that continues after {@code step}: keeps, in order, the
     * complete rows (whole lines holding a JSON object with an integer {@code step}) of steps up to {@code step} and
     * drops the rest: rows of steps the run will repeat, and a last line cut short by a crash. {@code step} 0 (a fresh
     * start) empties the file. The file is replaced atomically; returns how many lines were dropped.
     */
    public static int keepThrough(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        String content = Files.readString(file, StandardCharsets.UTF_8);
        int end = content.lastIndexOf('\n') + 1; // text after the last newline is an unfinished row
        List<String> kept = new ArrayList<>();
        int dropped = end < content.length() ? 1 : 0;
        for (String line : content.substring(0, end).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (stepOf(line) <= step) {
                kept.add(line);
            } else {
                dropped++;
            }
        }
        if (dropped == 0) {
            return 0;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StringBuilder out = new StringBuilder();
        kept.forEach(line -> out.append(line).append('\n'));
        Files.writeString(tmp, out, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.info("{}: kept {} rows through step {}, dropped {} (later steps or an unfinished line)", file,
                kept.size(), step, dropped);
        return dropped;
    }

    /** The row's step; {@link Long#MAX_VALUE} (always dropped) for a line that is not a row. */
    private static long stepOf(String line) {
        try {
            JsonNode node = Json.read(line);
            JsonNode step = node == null || !node.isObject() ? null : node.get("step");
            return step != null && step.isIntegralNumber() ? step.asLong() : Long.MAX_VALUE;
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Appends an arbitrary metrics row (other listeners, e.g. analyses during training). */
    public void append(Map<String, Object> row) {
        try {
            Files.writeString(file, Json.write(row) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }
}
