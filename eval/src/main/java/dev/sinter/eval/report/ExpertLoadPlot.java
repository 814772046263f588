package dev.sinter.eval.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Expert load of an MoE run from its per-step metrics ({@code moe.{layer}.load.{expert}}, {@code moe.{layer}.cv},
 * {@code moe.{layer}.dropped}): a grouped bar chart of each layer's load per expert, averaged over the last 10% of
 * the steps, and the same figures as a map for report.json.
 */
final class ExpertLoadPlot {
    private ExpertLoadPlot() {
    }

    static Map<String, Object> write(Path png, Map<String, List<Double>> series) throws IOException {
        Map<Integer, Map<Integer, Double>> load = new TreeMap<>(); // layer → expert → mean share
        Map<String, Object> out = new LinkedHashMap<>();
        series.forEach((key, values) -> {
            String[] p = key.split("\\.");
            double tail = tailMean(values);
            if (p.length == 4 && p[2].equals("load")) {
                load.computeIfAbsent(Integer.parseInt(p[1]), k -> new TreeMap<>()).put(Integer.parseInt(p[3]), tail);
            }
            out.put(key, tail);
        });
        int maxExperts = load.values().stream().mapToInt(Map::size).max().orElse(0);
        CategoryChart chart = new CategoryChartBuilder().width(800).height(450).title("Expert load per MoE layer")
                .xAxisTitle("expert").yAxisTitle("share of assignments").build();
        List<Integer> experts = new ArrayList<>();
        for (int e = 0; e < maxExperts; e++) {
            experts.add(e);
        }
        load.forEach((layer, shares) -> {
            List<Double> ys = new ArrayList<>();
            for (int e = 0; e < maxExperts; e++) {
                ys.add(shares.getOrDefault(e, 0.0));
            }
            chart.addSeries("layer " + layer + " (" + shares.size() + " experts)", experts, ys);
        });
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        return out;
    }

    private static double tailMean(List<Double> v) {
        int from = (int) Math.floor(v.size() * 0.9);
        return v.subList(Math.min(from, v.size() - 1), v.size()).stream().mapToDouble(Double::doubleValue).average()
                .orElse(Double.NaN);
    }
}
