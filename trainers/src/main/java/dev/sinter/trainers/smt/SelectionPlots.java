package dev.sinter.trainers.smt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/** Plots of an SMT selection: blocks per matrix type (histogram) and a layer × matrix-type heatmap. */
final class SelectionPlots {
    private SelectionPlots() {
    }

    static void write(Path dir, List<Block> selection, List<String> targets) throws IOException {
        double[] counts = new double[targets.size()];
        int layers = selection.stream().mapToInt(Block::layer).max().orElse(0) + 1;
        int[][] heat = new int[targets.size()][layers];
        for (Block b : selection) {
            int t = targets.indexOf(b.target());
            counts[t]++;
            heat[t][b.layer()]++;
        }
        CategoryChart hist = new CategoryChartBuilder().width(640).height(400).title("SMT: selected blocks by matrix")
                .xAxisTitle("matrix").yAxisTitle("blocks").build();
        hist.addSeries("blocks", targets, java.util.Arrays.stream(counts).boxed().toList());
        BitmapEncoder.saveBitmap(hist, dir.resolve("smt_blocks_by_matrix.png").toString(), BitmapEncoder.BitmapFormat.PNG);

        int[] xs = java.util.stream.IntStream.range(0, targets.size()).toArray();
        int[] ys = java.util.stream.IntStream.range(0, layers).toArray();
        HeatMapChart map = new HeatMapChartBuilder().width(640).height(400).title("SMT: blocks per layer and matrix ("
                + String.join(",", targets) + ")").xAxisTitle("matrix index").yAxisTitle("layer").build();
        map.addSeries("blocks", xs, ys, heat);
        BitmapEncoder.saveBitmap(map, dir.resolve("smt_blocks_heatmap.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
