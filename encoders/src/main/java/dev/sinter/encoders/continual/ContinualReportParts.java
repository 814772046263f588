package dev.sinter.encoders.continual;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * The parts the encoder ({@link ContinualReport}) and decoder ({@code LmContinualReport}) continual reports share: a
 * task-by-task matrix as a heat map with its values printed in the cells and as table rows, and the table of
 * grow/reuse decisions.
 */
public final class ContinualReportParts {
    /** The columns of {@link #decisionRows}. */
    public static final List<String> DECISION_COLUMNS = List.of("task", "prompt set", "decision", "sets after", "PRA",
            "details");

    private ContinualReportParts() {
    }

    /**
     * One learned task as the decision table shows it.
     *
     * @param task       its name
     * @param promptSet  the set it was learned into (negative: the method has no prompt sets)
     * @param grew       whether a set was added for it
     * @param promptSets sets after it
     * @param pra        prompt-retrieval accuracy after it (a fraction), {@code null} when undefined
     * @param details    the method's facts (LW2G: the angles θ_k, ε and the decision), shown with doubles rounded to
     *                   2 decimals
     */
    public record Decision(String task, int promptSet, boolean grew, int promptSets, Double pra,
                           Map<String, Object> details) {
    }

    /** One row of cells per decision, in {@link #DECISION_COLUMNS} order. */
    public static List<List<String>> decisionRows(List<Decision> decisions) {
        List<List<String>> out = new ArrayList<>();
        for (Decision d : decisions) {
            boolean noSets = d.promptSet() < 0;
            out.add(List.of(d.task(), noSets ? "-" : String.valueOf(d.promptSet()), noSets ? "-" : d.grew() ? "grow"
                            : "reuse", String.valueOf(d.promptSets()), d.pra() == null ? "-" : percent(d.pra()),
                    d.details().isEmpty() ? "" : rounded(d.details()).toString()));
        }
        return out;
    }

    /** {@code value} for reading: finite doubles rounded to 2 decimals, inside maps and lists too. */
    static Object rounded(Object value) {
        if (value instanceof Double d) {
            return Double.isFinite(d) ? Math.round(d * 100) / 100.0 : d;
        }
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, rounded(v)));
            return out;
        }
        if (value instanceof List<?> l) {
            return l.stream().map(ContinualReportParts::rounded).toList();
        }
        return value;
    }

    /**
     * Table rows of a matrix: each row's name, then its values through {@code format}, padded with empty cells to
     * {@code columns} values (row i of a continual matrix covers only tasks 0..i).
     */
    public static List<List<String>> matrixRows(List<String> rowNames, List<List<Double>> values, int columns,
                                                Function<Double, String> format) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < rowNames.size(); i++) {
            List<String> cells = new ArrayList<>(List.of(rowNames.get(i)));
            values.get(i).forEach(v -> cells.add(format.apply(v)));
            while (cells.size() < columns + 1) {
                cells.add("");
            }
            out.add(cells);
        }
        return out;
    }

    /**
     * Writes a PNG heat map of {@code values} (row i named {@code rowNames[i]} on the y axis, its j-th value in
     * column {@code columnNames[j]}; rows may be shorter than the columns), each cell's value printed in it and
     * coloured on the scale {@code [min, max]}.
     */
    public static void writeHeatMap(Path file, String title, String xTitle, String yTitle, List<String> columnNames,
                                    List<String> rowNames, List<List<Double>> values, double min, double max)
            throws IOException {
        List<Number[]> heat = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            List<Double> row = values.get(i);
            for (int j = 0; j < row.size(); j++) {
                heat.add(new Number[]{j, i, row.get(j)});
            }
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(640).height(480).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setShowValue(true).setMin(min).setMax(max);
        chart.addSeries("matrix", columnNames, rowNames, heat);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** A fraction as a percentage with one decimal ({@code 0.5} → {@code "50.0"}). */
    public static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f", 100 * v);
    }
}
