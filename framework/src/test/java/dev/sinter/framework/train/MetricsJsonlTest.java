package dev.sinter.framework.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsJsonlTest {
    @TempDir
    Path dir;

    @Test
    void keepThroughKeepsCompleteRowsUpToTheCheckpointStep() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        MetricsJsonl metrics = new MetricsJsonl(file);
        for (long step = 1; step <= 6; step++) {
            metrics.onStep(new StepMetrics(step, 5.0 - step, 1e-3, 0.5, 100, 0.1, step * 64));
            if (step % 2 == 0) {
                metrics.onValidation(step, 4.0 - step);
            }
        }
        Files.writeString(file, "{\"step\":7,\"loss\":1.", java.nio.file.StandardOpenOption.APPEND); // torn by a kill
        List<String> before = Files.readAllLines(file);

        assertEquals(4, MetricsJsonl.keepThrough(file, 4), "steps 5, 6, the validation of 6 and the torn line");

        assertEquals(before.subList(0, 6), Files.readAllLines(file));
        assertEquals(0, MetricsJsonl.keepThrough(file, 4), "already consistent: nothing to drop");
        assertEquals(before.subList(0, 6), Files.readAllLines(file));
        assertFalse(Files.exists(dir.resolve("metrics.jsonl.tmp")));
    }

    @Test
    void aFreshStartEmptiesTheFile() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        new MetricsJsonl(file).onValidation(3, 2.5);
        assertEquals(1, MetricsJsonl.keepThrough(file, 0));
        assertEquals("", Files.readString(file));
        assertEquals(0, MetricsJsonl.keepThrough(dir.resolve("absent.jsonl"), 0));
    }
}
