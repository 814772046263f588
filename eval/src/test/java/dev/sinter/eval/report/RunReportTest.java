package dev.sinter.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run report shows the resolved config, the model summary, the curves beside the loss and prompted samples. */
class RunReportTest {
    @TempDir
    Path run;

    @Test
    void theReportShowsConfigModelCurvesAndSamplesWithTheirPrompts() throws Exception {
        StringBuilder metrics = new StringBuilder();
        for (int step = 1; step <= 4; step++) {
            metrics.append(String.format(java.util.Locale.ROOT, "{\"step\":%d,\"loss\":%.2f,\"lr\":%.4f,"
                    + "\"grad_norm\":%.1f,\"tokens_per_s\":%d,\"step_s\":0.1,\"tokens\":%d}%n", step, 5.0 - step,
                    step * 1e-3, 10.0 / step, 1000 + step, step * 64));
        }
        metrics.append("{\"step\":4,\"val_loss\":1.5}\n");
        Files.writeString(run.resolve("metrics.jsonl"), metrics);
        Files.writeString(run.resolve("config.yaml"), "name: r\nmodel:\n  name: tiny\ntraining:\n  lr: 0.004\n");
        Files.writeString(run.resolve("summary.json"), "{\"trainer\":\"full\",\"parameters\":1234,"
                + "\"trainable_parameters\":1234,\"validation_loss\":1.5,\"model\":{\"dim\":32,\"n_layers\":2,"
                + "\"moe\":{\"experts\":[4,8],\"residual\":true,\"jitter\":null}}}");
        Files.writeString(run.resolve("samples.json"), "[{\"prompt\":\"ROMEO:\",\"completion\":\" I <will>\"}]");
        Path html = RunReport.write(run);
        String page = Files.readString(html);
        for (String shown : List.of("Resolved config (config.yaml)", "lr: 0.004", "<th>model.dim</th><td>32</td>",
                "<th>parameters</th><td>1234</td>", "<td>ROMEO:</td><td> I &lt;will&gt;</td>", "lr.png",
                "grad_norm.png", "throughput.png", "<th>last_lr</th><td>0.004000</td>")) {
            assertTrue(page.contains(shown), shown + " not in " + page);
        }
        assertTrue(page.contains("<th>model.moe.experts</th><td>[4, 8]</td>"), "nested sections are flattened");
        assertTrue(page.contains("<th>model.moe.residual</th><td>true</td>"));
        assertTrue(!page.contains("model.moe.jitter"), "null architecture fields are left out");
        for (String png : List.of("loss.png", "lr.png", "grad_norm.png", "throughput.png")) {
            assertTrue(Files.size(run.resolve(png)) > 1000, png);
        }
        JsonNode json = Json.read(run.resolve("report.json"));
        assertEquals(0.004, json.get("last_lr").asDouble(), 1e-12);
        assertEquals(10.0 / 2, json.get("median_grad_norm").asDouble(), 1e-12); // of 10, 5, 3.33, 2.5: the upper middle
        assertEquals("ROMEO:", json.at("/samples/0/prompt").asText());
    }

    @Test
    void anOlderRunWithSamplesTxtOnlyStillReports() throws Exception {
        Files.writeString(run.resolve("samples.txt"), "ROMEO: hello\n");
        String page = Files.readString(RunReport.write(run));
        assertTrue(page.contains("<td></td><td>ROMEO: hello</td>"), page);
    }
}
