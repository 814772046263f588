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
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report of a training run, built from its directory: {@code report.html} with the resolved config
 * ({@code config.yaml}) and the model summary ({@code summary.json}: parameters, architecture), the loss curves beside
 * the learning rate, the gradient norm (log scale) and the throughput (XChart PNGs), the run's figures and its samples
 * with their prompts, and the same numbers in {@code report.json}.
 */
public final class RunReport {
    private RunReport() {
    }

    /** Per-step loss components drawn beside the total: CE and KD terms of distillation, MoE's auxiliary loss. */
    private static final List<String> LOSS_TERMS = List.of("student_loss", "kd_loss", "kd_term", "ce_loss",
            "moe_aux_loss");
    /** The curves beside the loss: metrics.jsonl field → file, title, y-axis title, log scale. */
    private static final List<String[]> CURVES = List.of(
            new String[]{"lr", "lr.png", "Learning rate", "learning rate", "false"},
            new String[]{"grad_norm", "grad_norm.png", "Gradient norm (before clipping)", "global L2 norm", "true"},
            new String[]{"tokens_per_s", "throughput.png", "Throughput", "tokens / s", "false"});

    /** Writes report.html, report.json and the plots into the run directory; returns the HTML path. */
    public static Path write(Path runDir) throws IOException {
        List<double[]> train = new ArrayList<>(); // {step, loss, tokens/s}
        List<double[]> val = new ArrayList<>(); // {step, val_loss}
        Map<String, List<Double>> moe = new java.util.TreeMap<>(); // moe.{i}.load.{e} / .cv / .dropped per step
        Map<String, List<double[]>> terms = new LinkedHashMap<>(); // loss terms per step: {step, value}
        Map<String, List<double[]>> curves = new LinkedHashMap<>(); // lr, grad_norm, tokens_per_s: {step, value}
        Path metrics = runDir.resolve("metrics.jsonl");
        if (Files.exists(metrics)) {
            for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = Json.read(line);
                if (n.has("loss")) {
                    double step = n.get("step").asDouble();
                    train.add(new double[]{step, n.get("loss").asDouble(), n.get("tokens_per_s").asDouble()});
                    n.fieldNames().forEachRemaining(k -> {
                        if (k.startsWith("moe.")) {
                            moe.computeIfAbsent(k, x -> new ArrayList<>()).add(n.get(k).asDouble());
                        } else if (LOSS_TERMS.contains(k)) {
                            terms.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[]{step, n.get(k).asDouble()});
                        }
                    });
                    for (String[] c : CURVES) {
                        if (n.hasNonNull(c[0])) {
                            curves.computeIfAbsent(c[0], x -> new ArrayList<>())
                                    .add(new double[]{step, n.get(c[0]).asDouble()});
                        }
                    }
                } else if (n.has("val_loss")) {
                    val.add(new double[]{n.get("step").asDouble(), n.get("val_loss").asDouble()});
                }
            }
        }
        Map<String, String> plots = new LinkedHashMap<>();
        writeLossPlot(runDir.resolve("loss.png"), train, val, terms);
        plots.put("loss.png", "loss curves");
        for (String[] c : CURVES) {
            if (curves.containsKey(c[0])) {
                writeCurve(runDir.resolve(c[1]), c[2], c[3], Boolean.parseBoolean(c[4]), curves.get(c[0]));
                plots.put(c[1], c[2]);
            }
        }
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
        summary.put("last_lr", last(curves.get("lr")));
        summary.put("median_grad_norm", median(curves.getOrDefault("grad_norm", List.of()).stream()
                .mapToDouble(p -> p[1]).toArray()));
        List<Sample> samples = samples(runDir);
        summary.put("samples", samples.stream().map(x -> Map.of("prompt", x.prompt(), "completion", x.completion()))
                .toList());
        Path verdict = runDir.resolve("super_weights.txt");
        if (Files.exists(verdict)) {
            summary.put("super_weights", Files.readString(verdict).strip());
        }
        Files.writeString(runDir.resolve("report.json"), Json.pretty().writeValueAsString(summary));
        return html(runDir, summary, val, samples, plots).write(runDir.resolve("report.html"));
    }

    /** One generated sample: its prompt and what the model wrote after it. */
    record Sample(String prompt, String completion) {
    }

    /** {@code samples.json} ({prompt, completion}); for older runs, each line of {@code samples.txt} without a prompt. */
    static List<Sample> samples(Path runDir) throws IOException {
        Path json = runDir.resolve("samples.json");
        if (Files.exists(json)) {
            List<Sample> out = new ArrayList<>();
            Json.read(json).forEach(n -> out.add(new Sample(n.path("prompt").asText(), n.path("completion").asText())));
            return out;
        }
        Path txt = runDir.resolve("samples.txt");
        return Files.exists(txt) ? Files.readAllLines(txt).stream().map(l -> new Sample("", l)).toList() : List.of();
    }

    private static void writeLossPlot(Path png, List<double[]> train, List<double[]> val,
                                      Map<String, List<double[]>> terms) throws IOException {
        XYChart chart = new XYChartBuilder().width(640).height(400).title("Loss").xAxisTitle("step")
                .yAxisTitle("cross-entropy (nats/token)").build();
        if (!train.isEmpty()) {
            chart.addSeries("train", train.stream().mapToDouble(t -> t[0]).toArray(),
                    train.stream().mapToDouble(t -> t[1]).toArray()).setMarker(SeriesMarkers.NONE);
        }
        if (!val.isEmpty()) {
            XYSeries s = chart.addSeries("validation", val.stream().mapToDouble(v -> v[0]).toArray(),
                    val.stream().mapToDouble(v -> v[1]).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        terms.forEach((name, points) -> chart.addSeries(name, points.stream().mapToDouble(t -> t[0]).toArray(),
                points.stream().mapToDouble(t -> t[1]).toArray()).setMarker(SeriesMarkers.NONE));
        if (train.isEmpty() && val.isEmpty()) {
            chart.addSeries("no data", new double[]{0}, new double[]{0});
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** One per-step curve, its y axis on a labelled log scale when {@code log}. */
    private static void writeCurve(Path png, String title, String yTitle, boolean log, List<double[]> points)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(640).height(400).title(title).xAxisTitle("step")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisLogarithmic(log);
        chart.addSeries(title, points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray()).setMarker(SeriesMarkers.NONE);
        LogAxes.label(chart);
        if (chart.getSeriesMap().isEmpty()) { // every value was 0 on the log axis
            chart.addSeries("no positive values", new double[]{0}, new double[]{0});
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static HtmlPage html(Path runDir, Map<String, Object> s, List<double[]> val, List<Sample> samples,
                                 Map<String, String> plots) throws IOException {
        HtmlPage page = new HtmlPage("Sinter run report").title("Run " + s.get("run"));
        Map<String, String> figures = new LinkedHashMap<>();
        for (String k : List.of("steps", "first_train_loss", "last_train_loss", "median_tokens_per_s", "last_lr",
                "median_grad_norm")) {
            figures.put(k, format(s.get(k)));
        }
        page.keyValues(figures);
        Path summaryFile = runDir.resolve("summary.json");
        if (Files.exists(summaryFile)) {
            JsonNode summary = Json.read(summaryFile);
            Map<String, String> model = new LinkedHashMap<>();
            summary.fields().forEachRemaining(f -> {
                if (f.getValue().isValueNode()) {
                    model.put(f.getKey(), f.getValue().asText());
                }
            });
            flatten("model", summary.path("model"), model);
            page.heading("Model").keyValues(model);
        }
        Path config = runDir.resolve("config.yaml");
        if (Files.exists(config)) {
            page.folded("Resolved config (config.yaml)", Files.readString(config));
        }
        page.heading("Training curves").figures(plots);
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
        page.table(List.of("prompt", "completion"), samples.stream().map(x -> List.of(x.prompt(), x.completion()))
                .toList());
        return page.paragraph(HtmlPage.text("Same figures: "), HtmlPage.link("report.json", "report.json"),
                HtmlPage.text(", per step: metrics.jsonl."));
    }

    /** {@code node}'s non-null leaves as {@code prefix.key[.key…]} → text (a list as {@code [a, b]}). */
    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        node.fields().forEachRemaining(f -> {
            if (f.getValue().isObject()) {
                flatten(prefix + "." + f.getKey(), f.getValue(), out);
            } else if (!f.getValue().isNull()) {
                out.put(prefix + "." + f.getKey(), f.getValue().isArray() ? f.getValue().toString().replace(",", ", ")
                        : f.getValue().asText());
            }
        });
    }

    private static Double last(List<double[]> points) {
        return points == null || points.isEmpty() ? null : points.get(points.size() - 1)[1];
    }

    private static String format(Object o) {
        return o instanceof Double d ? String.format("%.4g", d) : String.valueOf(o);
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
