package dev.sinter.trainers.smt;

import dev.sinter.framework.util.Json;
import dev.sinter.models.family.Projection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * Where an SMT selection went, per matrix type (q, k, …) and per location (attention, the dense MLP, the residual MLP,
 * each expert): blocks selected, blocks available among the target matrices, and their ratio. The ratio is what
 * "V-dominance" compares: under grouped-query attention K and V have fewer blocks than Q, so raw counts understate
 * them. Written as {@code smt_selection_summary.json} with two plots.
 *
 * @param byMatrix   matrix type → its share
 * @param byLocation location ({@code attention}, {@code mlp}, {@code shared}, {@code expert e}) → its share
 */
public record SelectionSummary(Map<String, Share> byMatrix, Map<String, Share> byLocation) {
    public static final String FILE = "smt_selection_summary.json";

    /**
     * @param selected  blocks selected
     * @param available blocks of the target matrices of this kind
     * @param fraction  selected / available
     */
    public record Share(long selected, long available, double fraction) {
    }

    /** The shares of {@code selection} among the blocks of {@code targets} ({@code l × l} blocks). */
    public static SelectionSummary of(List<Block> selection, Collection<Projection> targets, int l) {
        Map<String, long[]> matrix = new LinkedHashMap<>();
        Map<String, long[]> location = new LinkedHashMap<>();
        for (Projection p : targets) {
            long blocks = (long) (p.out() / l) * (p.in() / l);
            matrix.computeIfAbsent(p.role(), k -> new long[2])[1] += blocks;
            location.computeIfAbsent(p.location(), k -> new long[2])[1] += blocks;
        }
        for (Block b : selection) {
            matrix.computeIfAbsent(b.target(), k -> new long[2])[0]++;
            location.computeIfAbsent(b.location(), k -> new long[2])[0]++;
        }
        return new SelectionSummary(shares(matrix), shares(location));
    }

    private static Map<String, Share> shares(Map<String, long[]> counts) {
        Map<String, Share> out = new LinkedHashMap<>();
        counts.forEach((k, c) -> out.put(k, new Share(c[0], c[1], c[1] == 0 ? 0 : (double) c[0] / c[1])));
        return out;
    }

    /** One line for the log: {@code q 1.6%, k 4.2%, v 9.4%} (selected / available per matrix type). */
    public String describe() {
        List<String> parts = new ArrayList<>();
        byMatrix.forEach((k, s) -> parts.add(k + " " + String.format("%.1f%%", 100 * s.fraction())));
        return String.join(", ", parts);
    }

    /**
     * Writes the summary and two plots: the selected share of each matrix type's available blocks, and a
     * layer × matrix-type heatmap of the same share.
     */
    public void write(Path dir, List<Block> selection, Collection<Projection> targets, int l) throws IOException {
        Files.write(dir.resolve(FILE), Json.pretty().writeValueAsBytes(this));
        List<String> types = new ArrayList<>(byMatrix.keySet());
        CategoryChart hist = new CategoryChartBuilder().width(640).height(400)
                .title("SMT: selected share of each matrix type's blocks").xAxisTitle("matrix")
                .yAxisTitle("selected / available blocks").build();
        hist.addSeries("share", types, types.stream().map(t -> byMatrix.get(t).fraction()).toList());
        BitmapEncoder.saveBitmap(hist, dir.resolve("smt_blocks_by_matrix.png").toString(),
                BitmapEncoder.BitmapFormat.PNG);

        int layers = targets.stream().mapToInt(Projection::layer).max().orElse(0) + 1;
        double[][] selected = new double[types.size()][layers];
        double[][] available = new double[types.size()][layers];
        for (Projection p : targets) {
            available[types.indexOf(p.role())][p.layer()] += (double) (p.out() / l) * (p.in() / l);
        }
        for (Block b : selection) {
            selected[types.indexOf(b.target())][b.layer()]++;
        }
        List<Number[]> heat = new ArrayList<>(); // {matrix type index, layer, selected / available}
        for (int t = 0; t < types.size(); t++) {
            for (int i = 0; i < layers; i++) {
                heat.add(new Number[]{t, i, available[t][i] == 0 ? 0.0 : selected[t][i] / available[t][i]});
            }
        }
        HeatMapChart map = new HeatMapChartBuilder().width(640).height(400)
                .title("SMT: selected share per layer and matrix").xAxisTitle("matrix").yAxisTitle("layer").build();
        map.addSeries("share", types, IntStream.range(0, layers).boxed().toList(), heat);
        BitmapEncoder.saveBitmap(map, dir.resolve("smt_blocks_heatmap.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
