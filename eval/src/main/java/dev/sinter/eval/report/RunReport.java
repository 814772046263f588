package dev.sinter.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.report.HtmlPage;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * The report of a training run, built from its directory: {@code report.html} with the loss curves (XChart PNG),
 * the run's figures and its samples, and the same numbers in {@code report.json}.
 */
public final class RunReport {
    private RunReport() {
    }

    /** Per-step loss components drawn beside the total: CE and KD terms of distillation, MoE's auxiliary loss. */
    private static final List<String> LOSS_TERMS = List.of("student_loss", "kd_loss", "kd_term", "ce_loss",
            "moe_aux_loss");

    /** Writes report.html, report.json and loss.png into the run directory; returns the HTML path. */
    public static Path write(Path runDir) throws IOException {
        List<double[]> train = new ArrayList<>(); // {step, loss, tokens/s}
        List<double[]> val = new ArrayList<>(); // {step, val_loss}
        Map<String, List<Double>> moe = new java.util.TreeMap<>(); // moe.{i}.load.{e} / .cv / .dropped per step
        Map<String, List<double[]>> terms = new LinkedHashMap<>(); // loss terms per step: {step, value}
        Path metrics = runDir.resolve("metrics.jsonl");
        if (Files.exists(metrics)) {
            for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = Json.read(line);
                if (n.has("loss")) {
                    train.add(new double[]{n.get("step").asDouble(), n.get("loss").asDouble(),
                            n.get("tokens_per_s").asDouble()});
                    n.fieldNames().forEachRemaining(k -> {
                        if (k.startsWith("moe.")) {
                            moe.computeIfAbsent(k, x -> new ArrayList<>()).add(n.get(k).asDouble());
                        } else if (LOSS_TERMS.contains(k)) {
                            terms.computeIfAbsent(k, x -> new ArrayList<>())
                                    .add(new double[]{n.get("step").asDouble(), n.get(k).asDouble()});
                        }
                    });
                } else if (n.has("val_loss")) {
                    val.add(new double[]{n.get("step").asDouble(), n.get("val_loss").asDouble()});
                }
            }
        }
        writeLossPlot(runDir.resolve("loss.png"), train, val, terms);
        Map<String, Object> summary = new LinkedHashMap<>();
        if (!moe.isEmpty()) {
            summary.put("expert_load", ExpertLoadPlot.write(runDir.resolve("expert_load.png"), moe));
        }
        summary.put("run", runDir.toString());
        summary.put("steps", train.isEmpty() ? 0 : (long) train.get(train.size() - 1)[0]);
        summary.put("first_train_loss", train.isEmpty() ? null : train.get(0)[1]);
        summary.put("last_train_loss", train.isEmpty() ? null : train.get(train.size() - 1)[1]);
        summary.put("validation", val.stream().map(v -> Map.of("step", (long) v[0], "val_loss", v[1])).toList());
        summary.put("median_tokens_per_s", median(train.stream().mapToDouble(t -> t[2]).toArray()));
        List<String> samples = Files.exists(runDir.resolve("samples.txt"))
                ? Files.readAllLines(runDir.resolve("samples.txt")) : List.of();
        summary.put("samples", samples);
        Path verdict = runDir.resolve("super_weights.txt");
        if (Files.exists(verdict)) {
            summary.put("super_weights", Files.readString(verdict).strip());
        }
        Files.writeString(runDir.resolve("report.json"), Json.pretty().writeValueAsString(summary));
        return html(summary, val, samples).write(runDir.resolve("report.html"));
    }

    private static void writeLossPlot(Path png, List<double[]> train, List<double[]> val,
                                      Map<String, List<double[]>> terms) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(450).title("Loss").xAxisTitle("step")
                .yAxisTitle("cross-entropy (nats/token)").build();
        if (!train.isEmpty()) {
            chart.addSeries("train", train.stream().mapToDouble(t -> t[0]).toArray(),
                    train.stream().mapToDouble(t -> t[1]).toArray()).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        }
        if (!val.isEmpty()) {
            XYSeries s = chart.addSeries("validation", val.stream().mapToDouble(v -> v[0]).toArray(),
                    val.stream().mapToDouble(v -> v[1]).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        terms.forEach((name, points) -> chart.addSeries(name, points.stream().mapToDouble(t -> t[0]).toArray(),
                points.stream().mapToDouble(t -> t[1]).toArray()).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE));
        if (train.isEmpty() && val.isEmpty()) {
            chart.addSeries("no data", new double[]{0}, new double[]{0});
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static HtmlPage html(Map<String, Object> s, List<double[]> val, List<String> samples) {
        HtmlPage page = new HtmlPage("Sinter run report").title("Run " + s.get("run"));
        Map<String, String> figures = new LinkedHashMap<>();
        for (String k : List.of("steps", "first_train_loss", "last_train_loss", "median_tokens_per_s")) {
            figures.put(k, format(s.get(k)));
        }
        page.keyValues(figures).heading("Loss").image("loss.png", "loss curves");
        if (s.containsKey("expert_load")) {
            page.heading("Expert load").paragraph("Share of each MoE layer's token assignments per expert, averaged"
                            + " over the last 10% of steps (uniform = 1/E); coefficient of variation and dropped fraction"
                            + " in report.json.")
                    .image("expert_load.png", "expert load per layer");
        }
        if (s.containsKey("super_weights")) {
            page.heading("Super weights").paragraph(String.valueOf(s.get("super_weights")))
                    .paragraph(HtmlPage.link("super_weights/super_weights.html", "detector report"));
        }
        page.heading("Validation").table(List.of("step", "validation loss"),
                val.stream().map(v -> List.of(String.valueOf((long) v[0]), format(v[1]))).toList());
        page.heading("Samples");
        samples.forEach(page::preformatted);
        return page.paragraph(HtmlPage.text("Same figures: "), HtmlPage.link("report.json", "report.json"),
                HtmlPage.text(", per step: metrics.jsonl."));
    }

    private static String format(Object o) {
        return o instanceof Double d ? String.format("%.4f", d) : String.valueOf(o);
    }

    private static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c[c.length / 2];
    }
}
