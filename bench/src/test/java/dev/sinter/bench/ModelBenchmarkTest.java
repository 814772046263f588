package dev.sinter.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ModelBenchmark}'s JSON line carries the wall-clock and the CPU-time rate of both modes; the CPU-time rate
 * counts the stepping thread's work only, so it is positive and never below the wall-clock rate by more than timer
 * noise (a step cannot use more CPU time than wall time on one thread).
 */
class ModelBenchmarkTest {

    @ParameterizedTest
    @ValueSource(strings = {"train", "forward"})
    void reportsWallAndCpuTimeRates(String mode) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ModelBenchmark.main(new String[]{mode, "--model", "tiny", "--batch", "2", "--seq", "8", "--warmup", "1",
                    "--steps", "3"});
        } finally {
            System.setOut(out);
        }
        String line = buf.toString(StandardCharsets.UTF_8);
        double wall = field(line, "tokens_per_s");
        double cpu = field(line, "cpu_tokens_per_s");
        assertTrue(wall > 0 && cpu > 0, line);
        assertTrue(cpu >= 0.9 * wall, "CPU-time rate below the wall-clock rate: " + line);
        assertTrue(line.contains("\"mode\": \"" + mode + "\""), line);
    }

    private static double field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": ([0-9.]+)").matcher(json);
        assertTrue(m.find(), name + " missing in " + json);
        return Double.parseDouble(m.group(1));
    }
}
