package dev.sinter.encoders.continual;

import dev.sinter.framework.report.HtmlPage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * {@code continual.html}: the summary metrics, the accuracy matrix as a heat map ({@code accuracy_matrix.png}, rows:
 * after task i, columns: task j, in percent) and as a table, and each task's learning report: the prompt set used,
 * whether it grew, and the method's details (LW2G's angles θ_k and ε).
 */
final class ContinualReport {
    static final String PAGE = "continual.html";
    static final String HEAT_MAP = "accuracy_matrix.png";

    private ContinualReport() {
    }

    static Path write(Path runDir, Map<String, Object> summary, List<ContinualRunner.Row> rows) throws IOException {
        List<String> names = rows.stream().map(ContinualRunner.Row::task).toList();
        writeHeatMap(runDir.resolve(HEAT_MAP), names, rows);
        Map<String, Object> headline = new LinkedHashMap<>();
        for (String k : List.of("method", "encoder", "seed", "final_average_accuracy", "average_forgetting",
                "backward_transfer", "prompt_sets", "pra")) {
            Object v = summary.get(k);
            headline.put(k, v instanceof Double d ? percent(d) : v);
        }
        List<String> columns = new ArrayList<>(List.of("after \\ on"));
        columns.addAll(names);
        List<List<String>> matrix = new ArrayList<>();
        for (ContinualRunner.Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.task()));
            r.accuracy().forEach(a -> cells.add(percent(a)));
            while (cells.size() < columns.size()) {
                cells.add("");
            }
            matrix.add(cells);
        }
        List<List<String>> decisions = new ArrayList<>();
        for (ContinualRunner.Row r : rows) {
            decisions.add(List.of(r.task(), r.promptSet() < 0 ? "-" : String.valueOf(r.promptSet()),
                    r.promptSet() < 0 ? "-" : r.grew() ? "grow" : "reuse", String.valueOf(r.promptSets()),
                    r.pra() == null ? "-" : percent(r.pra()), r.details().isEmpty() ? "" : r.details().toString()));
        }
        return new HtmlPage("Continual run " + summary.get("name"))
                .title("Continual run " + summary.get("name") + " (" + summary.get("method") + ")")
                .keyValues(headline)
                .heading("Accuracy matrix (%): row = after learning task i, column = test split of task j")
                .image(HEAT_MAP, "accuracy matrix heat map")
                .table(columns, matrix)
                .heading("Per task: prompt set, grow or reuse, and the method's details")
                .table(List.of("task", "prompt set", "decision", "sets after", "PRA", "details"), decisions)
                .write(runDir.resolve(PAGE));
    }

    private static void writeHeatMap(Path file, List<String> names, List<ContinualRunner.Row> rows)
            throws IOException {
        List<Number[]> heat = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            List<Double> a = rows.get(i).accuracy();
            for (int j = 0; j < a.size(); j++) {
                heat.add(new Number[]{j, i, Math.round(a.get(j) * 1000) / 10.0});
            }
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(640).height(480)
                .title("accuracy (%) after task i (y) on task j (x)").xAxisTitle("test task")
                .yAxisTitle("after task").build();
        chart.getStyler().setShowValue(true).setMin(0).setMax(100);
        chart.addSeries("accuracy", names, names, heat);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f", 100 * v);
    }
}
