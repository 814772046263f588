package dev.sinter.encoders.continual;

import dev.sinter.framework.report.HtmlPage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        List<List<Double>> percents = rows.stream().map(r -> r.accuracy().stream()
                .map(a -> Math.round(a * 1000) / 10.0).toList()).toList();
        ContinualReportParts.writeHeatMap(runDir.resolve(HEAT_MAP), "accuracy (%) after task i (y) on task j (x)",
                "test task", "after task", names, names, percents, 0, 100);
        Map<String, Object> headline = new LinkedHashMap<>();
        for (String k : List.of("method", "encoder", "seed", "final_average_accuracy", "average_forgetting",
                "backward_transfer", "prompt_sets", "pra")) {
            Object v = summary.get(k);
            headline.put(k, v instanceof Double d ? ContinualReportParts.percent(d) : v);
        }
        List<String> columns = new ArrayList<>(List.of("after \\ on"));
        columns.addAll(names);
        List<ContinualReportParts.Decision> decisions = rows.stream().map(r -> new ContinualReportParts.Decision(
                r.task(), r.promptSet(), r.grew(), r.promptSets(), r.pra(), r.details())).toList();
        return new HtmlPage("Continual run " + summary.get("name"))
                .title("Continual run " + summary.get("name") + " (" + summary.get("method") + ")")
                .keyValues(headline)
                .heading("Accuracy matrix (%): row = after learning task i, column = test split of task j")
                .image(HEAT_MAP, "accuracy matrix heat map")
                .table(columns, ContinualReportParts.matrixRows(names, rows.stream().map(ContinualRunner.Row::accuracy)
                        .toList(), names.size(), ContinualReportParts::percent))
                .heading("Per task: prompt set, grow or reuse, and the method's details")
                .table(ContinualReportParts.DECISION_COLUMNS, ContinualReportParts.decisionRows(decisions))
                .write(runDir.resolve(PAGE));
    }
}
