package dev.sinter.eval.superweights;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.eval.superweights.ActivationScan.LayerStats;
import dev.sinter.eval.superweights.Ablations.Row;
import dev.sinter.eval.superweights.SuperWeightDetector.Detection;
import dev.sinter.eval.superweights.SuperWeightDetector.PromptResult;
import dev.sinter.eval.report.LogAxes;
import dev.sinter.framework.report.HtmlPage;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * One analysis as {@code super_weights.html} + {@code super_weights.json} + PNGs in a directory: the verdict; per-layer
 * max |down_proj input| and |output| (the paper's Figure 2) before and after zeroing what was found; the residual-stream
 * maximum per layer and its ratio to the median (§1.9); the channel × layer heat map; cross-prompt consistency; and,
 * when present, the ablation table with the scaling sweep, the quantization table, the stopword chart and the
 * emergence curves from a run's {@code metrics.jsonl}.
 */
public final class SuperWeightReport {
    private final Path dir;
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final HtmlPage html;

    public SuperWeightReport(Path dir, String title, Map<String, Object> facts) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        json.put("title", title);
        json.putAll(facts);
        html = new HtmlPage(title).title(title).table(List.of(facts), SuperWeightReport::fmt);
    }

    /** The detector's outcome: {@link #detection} when it ran, its verdict alone when it does not apply. */
    public SuperWeightReport outcome(SuperWeightDetector.Outcome o) throws IOException {
        return o instanceof Detection d ? detection(d) : verdict(o.verdict());
    }

    /** A verdict paragraph; also {@code verdict} in the JSON. */
    public SuperWeightReport verdict(String verdict) {
        json.put("verdict", verdict);
        html.heading("Verdict").highlighted(verdict);
        return this;
    }

    /**
     * A per-layer table (one row per layer, in layer order) under {@code heading}, also under {@code key} in the
     * JSON, with a log-scale plot {@code key.png} of the given per-layer series.
     */
    public SuperWeightReport layers(String key, String heading, List<Map<String, Object>> rows,
                                    Map<String, double[]> series) throws IOException {
        json.put(key, rows);
        XYChart c = xy(heading, "layer", "max |value|", true);
        series.forEach((name, values) -> {
            double[] x = new double[values.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i;
            }
            c.addSeries(name, x, values);
        });
        save(c, key + ".png");
        html.heading(heading).image(key + ".png", heading).table(rows, SuperWeightReport::fmt);
        return this;
    }

    /** The detector's verdict, per-layer plots, heat map and consistency table. */
    public SuperWeightReport detection(Detection d) throws IOException {
        json.put("detection", d);
        verdict(d.verdict());
        html.paragraph(String.format(Locale.ROOT, "Thresholds: |x| > %s and > %s× the median; one weight must"
                        + " explain ≥ %.0f%% of the output spike. One forward pass: %.3f s.", d.options().thresholdAbs(),
                d.options().thresholdRel(), 100 * d.options().minShare(), d.secondsPerPass()));
        PromptResult first = d.prompts().get(0);
        XYChart fig2 = xy("Per-layer max |down_proj input| and |output| (prompt 0)", "layer", "max |value|", true);
        addLayerSeries(fig2, first.original(), "");
        if (first.iterations().size() > 1) {
            addLayerSeries(fig2, first.iterations().get(first.iterations().size() - 1).scan(), " (found weights zeroed)");
        }
        save(fig2, "down_proj_max.png");
        XYChart res = xy("Residual stream: max |h| per layer and its ratio to the median (prompt 0)", "layer",
                "value", true);
        double[] layers = first.original().layers().stream().mapToDouble(LayerStats::layer).toArray();
        res.addSeries("max |h|", layers, first.original().layers().stream().mapToDouble(l -> l.residual().abs()).toArray());
        res.addSeries("max |h| / median |h|", layers,
                first.original().layers().stream().mapToDouble(l -> l.residual().ratio()).toArray());
        save(res, "residual_max.png");
        heatmap(first.original().residualMax());
        html.heading("Per layer (prompt 0: " + first.prompt() + ")")
                .image("down_proj_max.png", "per-layer max |down_proj input| and |output|")
                .image("residual_max.png", "residual stream maximum per layer")
                .image("heatmap.png", "residual stream channel × layer heat map");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (LayerStats l : first.original().layers()) {
            for (ActivationScan.DownProj dp : l.projections()) { // one row per down projection (each expert in MoE)
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("layer", l.layer());
                r.put("mlp", dp.label());
                r.put("tokens", dp.tokens());
                r.put("max |in|", dp.input().abs());
                r.put("in tok/ch", dp.input().token() + "/" + dp.input().channel());
                r.put("in ×median", dp.input().ratio());
                r.put("max |out|", dp.output().abs());
                r.put("out tok/ch", dp.output().token() + "/" + dp.output().channel());
                r.put("out ×median", dp.output().ratio());
                r.put("max |h|", l.residual().abs());
                r.put("h tok/ch", l.residual().token() + "/" + l.residual().channel());
                r.put("h ×median", l.residual().ratio());
                r.put("massive (Sun)", SuperWeightDetector.massive(l.residual()));
                rows.add(r);
            }
        }
        html.table(rows, SuperWeightReport::fmt);
        List<Map<String, Object>> prompts = new ArrayList<>();
        for (int p = 0; p < d.prompts().size(); p++) {
            PromptResult pr = d.prompts().get(p);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("prompt", p + ": " + pr.prompt());
            r.put("tokens", pr.tokens());
            r.put("found", String.join("; ", pr.findings().stream().map(f -> f.weight().coordinate()).toList()));
            r.put("spiking layers", pr.iterations().get(0).spikingLayers().toString());
            prompts.add(r);
        }
        html.heading("Prompts and consistency").table(prompts, SuperWeightReport::fmt);
        if (!d.consistency().isEmpty()) {
            List<Map<String, Object>> cons = new ArrayList<>();
            d.consistency().forEach(c -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("weight", c.weight().coordinate());
                r.put("found in", c.foundIn() + "/" + c.prompts());
                r.put("max |out| channel per prompt", c.outputChannelPerPrompt().toString());
                r.put("its token per prompt", c.tokenPerPrompt().toString());
                cons.add(r);
            });
            html.table(cons, SuperWeightReport::fmt);
        }
        return this;
    }

    /** The ablation table and the scaling sweep plot. */
    public SuperWeightReport ablations(Ablations.Table t) throws IOException {
        json.put("ablations", t);
        html.heading("Ablations (§1.4)")
                .paragraph("Super weights: " + String.join(", ", t.superWeights().stream().map(SuperWeight::toString).toList()))
                .table(rowMaps(t.conditions()), SuperWeightReport::fmt);
        if (!t.scaling().isEmpty()) {
            XYChart c = xy("Scaling the super weight(s) (§1.6)", "scale s", "metric", false);
            Map<String, double[]> series = new TreeMap<>();
            double[] xs = new double[t.scaling().size()];
            for (int i = 0; i < xs.length; i++) {
                Row r = t.scaling().get(i);
                xs[i] = Double.parseDouble(r.condition().substring(r.condition().indexOf('×') + 1));
                for (Map.Entry<String, Double> m : r.metrics().entrySet()) {
                    if (m.getKey().endsWith(".acc") || m.getKey().endsWith("mean_token_nll")) {
                        series.computeIfAbsent(m.getKey(), k -> new double[xs.length])[i] = m.getValue();
                    }
                }
            }
            series.forEach((k, v) -> c.addSeries(k, xs, v));
            if (!series.isEmpty()) {
                save(c, "scaling.png");
                html.image("scaling.png", "metrics against the super weights' scale");
            }
            html.table(rowMaps(t.scaling()), SuperWeightReport::fmt);
        }
        return this;
    }

    /** The quantization table. */
    public SuperWeightReport quantization(List<Row> rows, Map<String, Object> settings) {
        json.put("quantization", Map.of("settings", settings, "rows", rows));
        html.heading("Quantization (§1.7)").table(List.of(settings), SuperWeightReport::fmt)
                .paragraph("weights changed = values clipped (weight rows) or activations held out per layer.")
                .table(rowMaps(rows), SuperWeightReport::fmt);
        return this;
    }

    /** The stopword chart. */
    public SuperWeightReport stopwords(StopwordShift.Result r) throws IOException {
        json.put("stopword_shift", r);
        List<StopwordShift.Entry> all = new ArrayList<>(r.stopwords());
        all.addAll(r.others());
        CategoryChart c = new CategoryChartBuilder().width(900).height(450)
                .title("Mean next-token probability over " + r.prompts() + " LAMBADA prompts: pruned / original (§1.5)")
                .xAxisTitle("token (stopwords first)").yAxisTitle("ratio").build();
        c.getStyler().setXAxisLabelRotation(60);
        c.getStyler().setLegendVisible(false);
        if (!all.isEmpty()) {
            c.addSeries("ratio", all.stream().map(e -> (e.stopword() ? "*" : "") + "'" + e.token() + "'").toList(),
                    all.stream().map(e -> Double.isNaN(e.ratio()) ? 0.0 : e.ratio()).toList());
            save(c, "stopwords.png");
            html.heading("Stopword shift (§1.5)").image("stopwords.png", "next-token probability ratio per token");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (StopwordShift.Entry e : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("token", "'" + e.token() + "'");
            m.put("stopword", e.stopword());
            m.put("p original", e.original());
            m.put("p pruned", e.pruned());
            m.put("ratio", e.ratio());
            rows.add(m);
        }
        html.table(rows, SuperWeightReport::fmt)
                .paragraph("Stopwords not in the vocabulary: " + r.missingStopwords());
        return this;
    }

    /** Emergence curves from a run's metrics.jsonl (rows written by {@link EmergenceListener}). */
    public SuperWeightReport emergence(Path metricsJsonl) throws IOException {
        if (!Files.exists(metricsJsonl)) {
            return this;
        }
        Map<String, List<double[]>> series = new TreeMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(metricsJsonl, StandardCharsets.UTF_8)) {
            if (line.isBlank() || !line.contains("\"" + EmergenceListener.PREFIX)) {
                continue;
            }
            JsonNode n = Json.read(line);
            double step = n.get("step").asDouble();
            Map<String, Object> row = new LinkedHashMap<>();
            n.fields().forEachRemaining(f -> {
                row.put(f.getKey(), f.getValue().isIntegralNumber() ? f.getValue().asLong() : f.getValue().asDouble());
                if (f.getKey().endsWith(".out_max") || f.getKey().endsWith(".res_max") || f.getKey().endsWith(".in_max")) {
                    series.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(new double[]{step, f.getValue().asDouble()});
                }
            });
            rows.add(row);
        }
        if (series.isEmpty()) {
            return this;
        }
        json.put("emergence", rows);
        XYChart c = xy("Emergence during training: per-layer maxima on the probe prompt", "step", "max |value|", true);
        series.forEach((k, v) -> c.addSeries(k.substring(EmergenceListener.PREFIX.length()),
                v.stream().mapToDouble(p -> p[0]).toArray(), v.stream().mapToDouble(p -> p[1]).toArray()));
        save(c, "emergence.png");
        html.heading("Emergence during training").image("emergence.png", "per-layer maxima during training")
                .table(rows, SuperWeightReport::fmt);
        return this;
    }

    /** Writes super_weights.html and super_weights.json; returns the HTML path. */
    public Path write() throws IOException {
        Files.writeString(dir.resolve("super_weights.json"), Json.pretty().writeValueAsString(json));
        return html.paragraph(HtmlPage.text("Same numbers: "), HtmlPage.link("super_weights.json", "super_weights.json"))
                .write(dir.resolve("super_weights.html"));
    }

    /** Per layer, the largest |input| and |output| over the layer's down projections (every expert in MoE layers). */
    private static void addLayerSeries(XYChart c, ActivationScan s, String suffix) {
        double[] x = s.layers().stream().mapToDouble(LayerStats::layer).toArray();
        c.addSeries("|down_proj input|" + suffix, x, s.layers().stream().mapToDouble(l -> l.projections().stream()
                .mapToDouble(p -> p.input().abs()).max().orElse(0)).toArray());
        c.addSeries("|down_proj output|" + suffix, x, s.layers().stream().mapToDouble(l -> l.projections().stream()
                .mapToDouble(p -> p.output().abs()).max().orElse(0)).toArray());
    }

    private void heatmap(double[][] m) throws IOException {
        int layers = m.length;
        int d = m[0].length;
        HeatMapChart c = new HeatMapChartBuilder().width(1000).height(120 + 40 * layers)
                .title("max over tokens of |residual stream|, channel × layer (prompt 0)").build();
        c.getStyler().setShowValue(false);
        c.getStyler().setLegendVisible(true);
        c.getStyler().setXAxisTicksVisible(d <= 64);
        List<Integer> xs = new ArrayList<>();
        for (int i = 0; i < d; i++) {
            xs.add(i);
        }
        List<Integer> ys = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            ys.add(l);
        }
        List<Number[]> z = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < d; i++) {
                z.add(new Number[]{i, l, m[l][i]});
            }
        }
        c.addSeries("max |h|", xs, ys, z);
        save(c, "heatmap.png");
    }

    private static XYChart xy(String title, String x, String y, boolean log) {
        XYChart c = new XYChartBuilder().width(800).height(420).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setYAxisLogarithmic(log);
        return c;
    }

    private void save(Chart<?, ?> c, String file) throws IOException {
        if (c instanceof XYChart xy) {
            LogAxes.label(xy);
        }
        BitmapEncoder.saveBitmap(c, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static List<Map<String, Object>> rowMaps(List<Row> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("condition", r.condition());
            m.put("weights changed", r.weightsChanged());
            m.putAll(r.metrics());
            m.put("seconds", r.seconds());
            out.add(m);
        }
        return out;
    }

    /** Cell text of a table value: doubles to 4 significant digits. */
    private static String fmt(Object o) {
        return o instanceof Double d ? String.format(Locale.ROOT, "%.4g", d) : String.valueOf(o);
    }
}
