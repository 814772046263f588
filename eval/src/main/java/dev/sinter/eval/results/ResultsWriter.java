package dev.sinter.eval.results;

import dev.sinter.eval.tasks.TaskResult;
import dev.sinter.framework.report.HtmlPage;
import dev.sinter.framework.util.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.tribuo.classification.evaluation.LabelEvaluation;

/**
 * Writes an evaluation into a folder:
 * <ul>
 *   <li>{@code results.json}: lm-eval's shape ({@code results.{task}.{metric}}, {@code versions},
 *       {@code n-samples}, {@code config}, {@code model}) plus {@code chance} per task and {@code tribuo} (a digest of
 *       each multiple-choice task's LabelEvaluator evaluation for {@code acc} and {@code acc_norm}); NaN becomes
 *       null;</li>
 *   <li>{@code samples_<task>.jsonl}: one line per item;</li>
 *   <li>{@code tribuo_<task>.txt}: the evaluations' own {@code toString()} (per-class table, confusion matrix);</li>
 *   <li>{@code summary.html} with {@code accuracy.png}: acc and acc_norm per task beside the chance level.</li>
 * </ul>
 */
public final class ResultsWriter {
    private ResultsWriter() {
    }

    /** Writes every file into {@code dir} (created if needed); returns the path of results.json. */
    public static Path write(EvalResults r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> versions = new LinkedHashMap<>();
        Map<String, Object> nSamples = new LinkedHashMap<>();
        Map<String, Object> chance = new LinkedHashMap<>();
        Map<String, Object> tribuo = new LinkedHashMap<>();
        for (TaskResult t : r.tasks()) {
            Map<String, Object> m = new LinkedHashMap<>();
            t.metrics().forEach((k, v) -> m.put(k, finite(v)));
            results.put(t.task(), m);
            versions.put(t.task(), t.version());
            nSamples.put(t.task(), Map.of("original", t.nOriginal(), "effective", t.nEffective()));
            if (!Double.isNaN(t.chance())) {
                chance.put(t.task(), t.chance());
            }
            if (!t.outcomes().isEmpty()) {
                tribuo.put(t.task(), writeTribuo(t, dir));
            }
            try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("samples_" + t.task() + ".jsonl"),
                    StandardCharsets.UTF_8)) {
                for (Map<String, Object> s : t.samples()) {
                    w.write(Json.write(s));
                    w.write('\n');
                }
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("results", results);
        root.put("versions", versions);
        root.put("n-samples", nSamples);
        root.put("config", r.config());
        root.put("model", r.model());
        root.put("chance", chance);
        root.put("tribuo", tribuo);
        root.put("date", OffsetDateTime.now().toString());
        root.put("total_evaluation_time_seconds", r.seconds());
        Path json = dir.resolve("results.json");
        Files.writeString(json, Json.pretty().writeValueAsString(root));
        writeChart(r, dir.resolve("accuracy.png"));
        html(r).write(dir.resolve("summary.html"));
        return json;
    }

    private static Map<String, Object> writeTribuo(TaskResult t, Path dir) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        StringBuilder text = new StringBuilder();
        boolean hasNorm = t.outcomes().get(0).normalized() != null;
        for (boolean norm : hasNorm ? new boolean[]{false, true} : new boolean[]{false}) {
            LabelEvaluation e = TribuoEvaluation.evaluate(t.task(), t.outcomes(), norm);
            String key = norm ? "acc_norm" : "acc";
            out.put(key, TribuoEvaluation.digest(e));
            text.append("== ").append(t.task()).append(" (").append(key).append(")\n").append(e).append("\n")
                    .append(e.getConfusionMatrix()).append("\n");
        }
        Files.writeString(dir.resolve("tribuo_" + t.task() + ".txt"), text.toString());
        return out;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static void writeChart(EvalResults r, Path png) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> acc = new ArrayList<>();
        List<Double> accNorm = new ArrayList<>();
        List<Double> chance = new ArrayList<>();
        for (TaskResult t : r.tasks()) {
            Double a = t.metrics().get("acc");
            if (a == null) {
                continue;
            }
            names.add(t.task());
            acc.add(a);
            accNorm.add(t.metrics().getOrDefault("acc_norm", 0.0));
            chance.add(Double.isNaN(t.chance()) ? 0.0 : t.chance());
        }
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(600, 90 * names.size())).height(450)
                .title("Zero-shot accuracy").xAxisTitle("task").yAxisTitle("accuracy").build();
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        if (names.isEmpty()) {
            chart.addSeries("no accuracy tasks", List.of("none"), List.of(0.0));
        } else {
            chart.addSeries("acc", names, acc);
            chart.addSeries("acc_norm", names, accNorm);
            CategorySeries c = chart.addSeries("chance", names, chance);
            c.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static HtmlPage html(EvalResults r) {
        List<List<String>> rows = new ArrayList<>();
        for (TaskResult t : r.tasks()) {
            for (Map.Entry<String, Double> m : t.metrics().entrySet()) {
                if (m.getKey().endsWith("_stderr")) {
                    continue;
                }
                Double se = t.metrics().get(m.getKey() + "_stderr");
                boolean accuracy = m.getKey().startsWith("acc");
                rows.add(List.of(t.task(), String.valueOf(t.nEffective()), m.getKey(), fmt(m.getValue()),
                        se == null ? "" : fmt(se), accuracy && !Double.isNaN(t.chance()) ? fmt(t.chance()) : ""));
            }
        }
        return new HtmlPage("Sinter eval").title("Zero-shot evaluation").paragraph(r.model())
                .paragraph(r.config().toString())
                .table(List.of("task", "n", "metric", "value", "± stderr", "chance"), rows)
                .image("accuracy.png", "accuracy per task")
                .paragraph(String.format(Locale.ROOT, "%.1f s", r.seconds()));
    }

    private static String fmt(double v) {
        return Math.abs(v) >= 1000 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
