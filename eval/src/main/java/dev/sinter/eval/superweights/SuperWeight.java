package dev.sinter.eval.superweights;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.models.transformer.ParameterNames;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scalar of a layer's down projection, in the HF convention {@code layers[l].mlp.down_proj.weight[row, col]}
 * (weight {@code [out = D, in = hidden]}: {@code row} is the hidden/super-activation channel, {@code col} the
 * intermediate channel of the input spike; papers.md §1.2 step 5).
 *
 * @param value the weight's original value (NaN when only the coordinates are known)
 */
public record SuperWeight(int layer, int row, int col, double value) {

    private static final Pattern HF = Pattern.compile(
            "(?:model\\.)?layers[.\\[](\\d+)]?\\.mlp\\.down_proj\\.weight\\[(\\d+),\\s*(\\d+)]");
    private static final Pattern TRIPLE = Pattern.compile("\\(?\\s*(\\d+)\\s*[,:]\\s*(\\d+)\\s*[,:]\\s*(\\d+)\\s*\\)?");

    /** {@code layers[l].mlp.down_proj.weight[row, col]}. */
    public String coordinate() {
        return String.format(Locale.ROOT, "layers[%d].mlp.down_proj.weight[%d, %d]", layer, row, col);
    }

    /** The HF parameter name of the matrix holding it. */
    public String parameter() {
        return ParameterNames.mlp(layer, "down");
    }

    /** The same coordinates with a value. */
    public SuperWeight withValue(double v) {
        return new SuperWeight(layer, row, col, v);
    }

    /** Same layer, row and column (values ignored). */
    public boolean sameCoordinates(SuperWeight o) {
        return layer == o.layer && row == o.row && col == o.col;
    }

    @Override
    public String toString() {
        return Double.isNaN(value) ? coordinate() : coordinate() + String.format(Locale.ROOT, " = %.6g", value);
    }

    /**
     * Parses {@code layers[2].mlp.down_proj.weight[3968, 7003]}, {@code model.layers.2.mlp.down_proj.weight[3968, 7003]},
     * {@code 2,3968,7003} or {@code 2:3968:7003} (the paper's (layer, row, col) triple).
     *
     * @throws IllegalArgumentException for anything else, naming the accepted forms
     */
    public static SuperWeight parse(String text) {
        String t = text.strip();
        Matcher m = HF.matcher(t);
        if (!m.matches()) {
            m = TRIPLE.matcher(t);
        }
        if (!m.matches()) {
            throw new UsageException("cannot read super-weight coordinates '" + text + "'; write"
                    + " layers[L].mlp.down_proj.weight[ROW, COL] or L,ROW,COL (e.g. 2,3968,7003)");
        }
        return new SuperWeight(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), Double.NaN);
    }

    /**
     * Checks the coordinates against an architecture.
     *
     * @throws IllegalArgumentException naming the layer, the bound and a fix when the layer does not exist, is an
     *                                  MoE layer (no dense down_proj), or the row/column is out of range
     */
    public void check(ModelConfig cfg) {
        if (layer < 0 || layer >= cfg.nLayers()) {
            throw new UsageException(coordinate() + ": unknown layer " + layer + "; the model has layers 0.."
                    + (cfg.nLayers() - 1));
        }
        if (cfg.moeLayers().contains(layer)) {
            throw new UsageException(coordinate() + ": layer " + layer + " is a Mixture-of-Experts layer"
                    + " and has no dense mlp.down_proj (dense layers: " + denseLayers(cfg) + ")");
        }
        if (row < 0 || row >= cfg.dim() || col < 0 || col >= cfg.hiddenDim()) {
            throw new UsageException(coordinate() + " is outside the weight's shape [" + cfg.dim() + ", "
                    + cfg.hiddenDim() + "] (row < dim, col < hidden_dim)");
        }
    }

    static String denseLayers(ModelConfig cfg) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cfg.nLayers(); i++) {
            if (!cfg.moeLayers().contains(i)) {
                b.append(b.length() == 0 ? "" : ", ").append(i);
            }
        }
        return b.length() == 0 ? "none" : b.toString();
    }
}
