package dev.sinter.eval.superweights;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.moe.MoeNames;
import dev.sinter.models.transformer.ParameterNames;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scalar of a down projection, in the HF convention {@code layers[l].mlp.down_proj.weight[row, col]} (weight
 * {@code [out = D, in = hidden]}: {@code row} is the hidden/super-activation channel, {@code col} the intermediate
 * channel of the input spike; papers.md §1.2 step 5). In a Mixture-of-Experts layer the down projection is an
 * expert's ({@code layers[l].mlp.experts[e].down_proj.weight[row, col]}) or the Residual MoE's dense MLP's
 * ({@code layers[l].mlp.shared.down_proj.weight[row, col]}).
 *
 * @param site   which MLP of the layer holds it
 * @param expert the expert index for {@link Site#EXPERT}, else -1
 * @param value  the weight's original value (NaN when only the coordinates are known)
 */
public record SuperWeight(int layer, Site site, int expert, int row, int col, double value) {

    /** Which MLP of a layer a down projection belongs to. */
    public enum Site {
        /** The dense MLP of a dense layer. */
        DENSE,
        /** One expert of an MoE layer. */
        EXPERT,
        /** The Residual MoE's dense MLP beside the experts. */
        SHARED
    }

    private static final Pattern HF = Pattern.compile("(?:model\\.)?layers[.\\[](\\d+)]?\\.mlp\\."
            + "(?:(experts)[.\\[](\\d+)]?\\.|(shared)\\.)?down_proj\\.weight\\[(\\d+),\\s*(\\d+)]");
    private static final Pattern TRIPLE = Pattern.compile("\\(?\\s*(\\d+)\\s*[,:]\\s*(\\d+)\\s*[,:]\\s*(\\d+)\\s*\\)?");

    public SuperWeight {
        if ((site == Site.EXPERT) != (expert >= 0)) {
            throw new IllegalArgumentException("an expert index (>= 0) goes with Site.EXPERT only, got " + site
                    + " and expert " + expert);
        }
    }

    /** A weight of a dense layer's down projection. */
    public SuperWeight(int layer, int row, int col, double value) {
        this(layer, Site.DENSE, -1, row, col, value);
    }

    /** {@code layers[l].mlp.down_proj.weight[row, col]} (with {@code experts[e].} or {@code shared.} in MoE layers). */
    public String coordinate() {
        return String.format(Locale.ROOT, "layers[%d].mlp.%sdown_proj.weight[%d, %d]", layer, mlpPrefix(), row, col);
    }

    /** Where the weight sits within its layer: {@code mlp}, {@code expert e} or {@code residual MLP}. */
    public String siteLabel() {
        return switch (site) {
            case DENSE -> "mlp";
            case EXPERT -> "expert " + expert;
            case SHARED -> "residual MLP";
        };
    }

    private String mlpPrefix() {
        return switch (site) {
            case DENSE -> "";
            case EXPERT -> "experts[" + expert + "].";
            case SHARED -> "shared.";
        };
    }

    /** The HF parameter name of the matrix holding it. */
    public String parameter() {
        return switch (site) {
            case DENSE -> ParameterNames.mlp(layer, "down");
            case EXPERT -> MoeNames.expert(layer, expert, "down");
            case SHARED -> MoeNames.shared(layer, "down");
        };
    }

    /** The same coordinates with a value. */
    public SuperWeight withValue(double v) {
        return new SuperWeight(layer, site, expert, row, col, v);
    }

    /** Same matrix, row and column (values ignored). */
    public boolean sameCoordinates(SuperWeight o) {
        return layer == o.layer && site == o.site && expert == o.expert && row == o.row && col == o.col;
    }

    @Override
    public String toString() {
        return Double.isNaN(value) ? coordinate() : coordinate() + String.format(Locale.ROOT, " = %.6g", value);
    }

    /**
     * Parses {@code layers[2].mlp.down_proj.weight[3968, 7003]}, {@code model.layers.2.mlp.down_proj.weight[3968, 7003]},
     * the MoE forms {@code layers[1].mlp.experts[3].down_proj.weight[5, 9]} and
     * {@code layers[1].mlp.shared.down_proj.weight[5, 9]} (also dotted), {@code 2,3968,7003} or {@code 2:3968:7003}
     * (the paper's (layer, row, col) triple of a dense layer).
     *
     * @throws IllegalArgumentException for anything else, naming the accepted forms
     */
    public static SuperWeight parse(String text) {
        String t = text.strip();
        Matcher m = HF.matcher(t);
        if (m.matches()) {
            int layer = Integer.parseInt(m.group(1));
            int row = Integer.parseInt(m.group(5));
            int col = Integer.parseInt(m.group(6));
            if (m.group(2) != null) {
                return new SuperWeight(layer, Site.EXPERT, Integer.parseInt(m.group(3)), row, col, Double.NaN);
            }
            return new SuperWeight(layer, m.group(4) != null ? Site.SHARED : Site.DENSE, -1, row, col, Double.NaN);
        }
        m = TRIPLE.matcher(t);
        if (!m.matches()) {
            throw new UsageException("cannot read super-weight coordinates '" + text + "'; write"
                    + " layers[L].mlp.down_proj.weight[ROW, COL], layers[L].mlp.experts[E].down_proj.weight[ROW, COL],"
                    + " layers[L].mlp.shared.down_proj.weight[ROW, COL] or L,ROW,COL (e.g. 2,3968,7003)");
        }
        return new SuperWeight(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), Double.NaN);
    }

    /**
     * Checks the coordinates against an architecture.
     *
     * @throws IllegalArgumentException naming the layer, the bound and a fix when the layer does not exist, the site
     *                                  does not match the layer's kind (dense / MoE / residual MoE), the expert does not
     *                                  exist, or the row/column is out of range
     */
    public void check(ModelConfig cfg) {
        if (layer < 0 || layer >= cfg.nLayers()) {
            throw new UsageException(coordinate() + ": unknown layer " + layer + "; the model has layers 0.."
                    + (cfg.nLayers() - 1));
        }
        boolean moe = cfg.moeLayers().contains(layer);
        int hidden = cfg.hiddenDim();
        if (site == Site.DENSE && moe) {
            throw new UsageException(coordinate() + ": layer " + layer + " is a Mixture-of-Experts layer"
                    + " and has no dense mlp.down_proj; name an expert (layers[" + layer + "].mlp.experts[E]."
                    + "down_proj.weight[ROW, COL]) or the residual MLP (mlp.shared.); dense layers: "
                    + denseLayers(cfg));
        }
        if (site != Site.DENSE) {
            if (!moe) {
                throw new UsageException(coordinate() + ": layer " + layer + " is a dense layer; write"
                        + " layers[" + layer + "].mlp.down_proj.weight[ROW, COL]");
            }
            if (site == Site.EXPERT && expert >= cfg.expertsAt(layer)) {
                throw new UsageException(coordinate() + ": layer " + layer + " has experts 0.."
                        + (cfg.expertsAt(layer) - 1));
            }
            if (site == Site.SHARED && !cfg.moe().residual()) {
                throw new UsageException(coordinate() + ": the model's MoE layers have no residual MLP"
                        + " (moe.residual is false)");
            }
            hidden = cfg.expertHiddenDim();
        }
        if (row < 0 || row >= cfg.dim() || col < 0 || col >= hidden) {
            throw new UsageException(coordinate() + " is outside the weight's shape [" + cfg.dim() + ", "
                    + hidden + "] (row < dim, col < hidden_dim)");
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
