package dev.sinter.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.report.HtmlPage;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Compares finished runs (a sweep): validation loss against trainable parameters, one series per run-name family
 * (the name up to its last '-', e.g. {@code ft-lora} for {@code ft-lora-r8}); writes sweep.html, sweep.json and
 * sweep.png. Each run directory must hold the {@code summary.json} a training run writes.
 */
public final class SweepReport {
    private SweepReport() {
    }

    /** One run of the sweep. */
    public record Row(String run, String trainer, long trainableParameters, double validationLoss,
                      double medianStepSeconds, double peakRssMb) {
    }

    /** Writes sweep.html, sweep.json and sweep.png for {@code runs} into {@code outDir}; returns the HTML path. */
    public static Path write(List<Path> runs, Path outDir) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Path run : runs) {
            Path summary = run.resolve("summary.json");
            if (!Files.exists(summary)) {
                throw new IOException(run + " has no summary.json; is it a finished training run?");
            }
            JsonNode s = Json.read(summary);
            rows.add(new Row(run.getFileName().toString(), s.get("trainer").asText(),
                    s.get("trainable_parameters").asLong(), s.get("validation_loss").asDouble(),
                    medianStepSeconds(run), s.get("peak_rss_mb").asDouble()));
        }
        rows.sort((a, b) -> a.run().compareTo(b.run()));
        Files.createDirectories(outDir);
        Map<String, List<Row>> families = new TreeMap<>();
        for (Row r : rows) {
            int cut = r.run().lastIndexOf('-');
            families.computeIfAbsent(cut > 0 ? r.run().substring(0, cut) : r.run(), k -> new ArrayList<>()).add(r);
        }
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Validation loss vs trainable parameters")
                .xAxisTitle("trainable parameters").yAxisTitle("validation loss").build();
        chart.getStyler().setXAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.InsideNE);
        families.forEach((name, list) -> {
            list.sort((a, b) -> Long.compare(a.trainableParameters(), b.trainableParameters()));
            chart.addSeries(name, list.stream().mapToDouble(Row::trainableParameters).toArray(),
                    list.stream().mapToDouble(Row::validationLoss).toArray());
        });
        LogAxes.label(chart);
        BitmapEncoder.saveBitmap(chart, outDir.resolve("sweep.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("runs", rows);
        Files.writeString(outDir.resolve("sweep.json"), Json.pretty().writeValueAsString(json));
        List<List<String>> cells = rows.stream().map(r -> List.of(r.run(), r.trainer(),
                String.format("%,d", r.trainableParameters()), String.format("%.4f", r.validationLoss()),
                String.format("%.2f", r.medianStepSeconds()), String.format("%.0f", r.peakRssMb()))).toList();
        return new HtmlPage("Sweep").title("Sweep").image("sweep.png", "validation loss vs trainable parameters")
                .table(List.of("run", "trainer", "trainable params", "val loss", "step s", "peak RSS MB"), cells)
                .write(outDir.resolve("sweep.html"));
    }

    private static double medianStepSeconds(Path run) throws IOException {
        List<Double> t = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = Json.read(line);
            if (n.has("step_s")) {
                t.add(n.get("step_s").asDouble());
            }
        }
        t.sort(Double::compare);
        return t.isEmpty() ? Double.NaN : t.get(t.size() / 2);
    }
}
