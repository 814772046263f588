package dev.sinter.eval.superweights;

import dev.sinter.eval.superweights.SuperWeight.Site;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.moe.MoeNames;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one forward pass over one prompt shows, per layer: the largest |value| of the {@code mlp.down_proj} input
 * {@code [T, hidden]} and output {@code [T, D]} (papers.md §1.2 step 3) and of the residual stream {@code [T, D]}
 * (§1.9), each with its token position, channel and the median |value| of the same tensor; plus, per layer and hidden
 * channel, the largest |residual| over the tokens (the channel × layer heat map).
 *
 * <p>Every down projection of a layer gets its own read-out ({@link DownProj}): the dense MLP's in a dense layer; in a
 * Mixture-of-Experts layer each expert's, over only the tokens routed to that expert (an inference forward pass drops
 * none), and the Residual MoE's dense MLP's, over every token.
 *
 * @param layers      one entry per layer; {@code downInput}/{@code downOutput} are null for MoE layers
 * @param residualMax {@code [layer][channel]} max over tokens of |residual stream|
 */
public record ActivationScan(int tokens, List<LayerStats> layers, double[][] residualMax) {

    /** The largest-|value| element of a tensor {@code [T, C]} and the tensor's median |value|. */
    public record Extreme(int token, int channel, double value, double medianAbs) {
        public double abs() {
            return Math.abs(value);
        }

        /** |value| / median |value| (infinite when the median is 0). */
        public double ratio() {
            return medianAbs == 0 ? Double.POSITIVE_INFINITY : abs() / medianAbs;
        }
    }

    /**
     * One down projection's read-out.
     *
     * @param site        which MLP of the layer
     * @param expert      the expert index for {@link Site#EXPERT}, else -1
     * @param tokens      how many tokens it saw (for an expert: the tokens routed to it)
     * @param input       largest |input| (token = prompt position)
     * @param output      largest |output|
     * @param inputAtPeak the input row {@code [hidden]} at the output extreme's token: what the attribution of the
     *                    output spike to weights reads
     */
    public record DownProj(Site site, int expert, int tokens, Extreme input, Extreme output, double[] inputAtPeak) {
        /** {@code mlp}, {@code expert e} or {@code residual MLP}. */
        public String label() {
            return new SuperWeight(0, site, expert, 0, 0, Double.NaN).siteLabel();
        }

        /** A weight of this projection (value unknown). */
        public SuperWeight weight(int layer, int row, int col) {
            return new SuperWeight(layer, site, expert, row, col, Double.NaN);
        }
    }

    /**
     * One layer's extremes: the dense MLP's down projection ({@code downInput}/{@code downOutput}, null in MoE layers),
     * the residual stream, and every down projection of the layer ({@code projections}: the dense MLP, or the experts
     * that received tokens and the residual MLP).
     */
    public record LayerStats(int layer, Extreme downInput, Extreme downOutput, Extreme residual,
                             List<DownProj> projections) {
    }

    /**
     * Runs one forward pass over {@code ids} (batch 1) and summarizes every layer.
     *
     * @throws IllegalArgumentException if the prompt is empty or longer than the model's context
     */
    public static ActivationScan of(TransformerModel model, int[] ids) {
        ModelConfig cfg = model.config();
        checkPrompt(cfg, ids);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < cfg.nLayers(); i++) {
            if (!cfg.moeLayers().contains(i)) {
                names.add(ParameterNames.downProjInput(i));
                names.add(ParameterNames.downProjOutput(i));
            } else {
                names.add(MoeNames.expertDownInput(i));
                names.add(MoeNames.expertDownOutput(i));
                names.add(MoeNames.slotTokens(i));
                if (cfg.moe().residual()) {
                    names.add(MoeNames.sharedDownInput(i));
                    names.add(MoeNames.sharedDownOutput(i));
                }
            }
            names.add(ParameterNames.layerOutput(i));
        }
        Map<String, INDArray> out = model.forward(new int[][]{ids}, names.toArray(String[]::new));
        List<LayerStats> layers = new ArrayList<>();
        double[][] residualMax = new double[cfg.nLayers()][];
        for (int i = 0; i < cfg.nLayers(); i++) {
            INDArray resid = out.get(ParameterNames.layerOutput(i));
            residualMax[i] = channelMax(resid);
            if (!cfg.moeLayers().contains(i)) {
                DownProj p = readOut(Site.DENSE, -1, matrix(out.get(ParameterNames.downProjInput(i))),
                        matrix(out.get(ParameterNames.downProjOutput(i))), identity(ids.length));
                layers.add(new LayerStats(i, p.input(), p.output(), extreme(resid), List.of(p)));
            } else {
                layers.add(new LayerStats(i, null, null, extreme(resid), moeProjections(cfg, i, out, ids.length)));
            }
        }
        return new ActivationScan(ids.length, layers, residualMax);
    }

    /** Each expert that received tokens, over those tokens only, then the residual MLP over every token. */
    private static List<DownProj> moeProjections(ModelConfig cfg, int i, Map<String, INDArray> out, int tokens) {
        INDArray in = out.get(MoeNames.expertDownInput(i)); // [E, C, H]
        INDArray y = out.get(MoeNames.expertDownOutput(i)); // [E, C, D]
        double[] slotTokens = values(out.get(MoeNames.slotTokens(i))); // [E·C] token + 1, 0 = empty
        int experts = (int) in.size(0);
        int cap = (int) in.size(1);
        double[][] x = matrix(in.reshape('c', (long) experts * cap, in.size(2)));
        double[][] o = matrix(y.reshape('c', (long) experts * cap, y.size(2)));
        List<DownProj> projections = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            List<Integer> rows = new ArrayList<>();
            List<Integer> tokenOfRow = new ArrayList<>();
            for (int c = 0; c < cap; c++) {
                int slot = e * cap + c;
                if (slotTokens[slot] > 0) {
                    rows.add(slot);
                    tokenOfRow.add((int) slotTokens[slot] - 1);
                }
            }
            if (rows.isEmpty()) {
                continue;
            }
            double[][] xe = rows.stream().map(r -> x[r]).toArray(double[][]::new);
            double[][] oe = rows.stream().map(r -> o[r]).toArray(double[][]::new);
            projections.add(readOut(Site.EXPERT, e, xe, oe, tokenOfRow.stream().mapToInt(Integer::intValue).toArray()));
        }
        if (cfg.moe().residual()) {
            projections.add(readOut(Site.SHARED, -1, matrix(out.get(MoeNames.sharedDownInput(i))),
                    matrix(out.get(MoeNames.sharedDownOutput(i))), identity(tokens)));
        }
        return projections;
    }

    /** The read-out of one projection whose row r is token {@code tokenOfRow[r]}. */
    private static DownProj readOut(Site site, int expert, double[][] in, double[][] out, int[] tokenOfRow) {
        Extreme xi = extreme(in);
        Extreme yo = extreme(out);
        double[] atPeak = in[yo.token()].clone();
        return new DownProj(site, expert, in.length, relabel(xi, tokenOfRow), relabel(yo, tokenOfRow), atPeak);
    }

    private static Extreme relabel(Extreme e, int[] tokenOfRow) {
        return new Extreme(tokenOfRow[e.token()], e.channel(), e.value(), e.medianAbs());
    }

    /**
     * @throws IllegalArgumentException if {@code ids} is empty or longer than {@code max_seq_len}
     */
    static void checkPrompt(ModelConfig cfg, int[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("empty prompt: a forward pass needs at least one token (BOS)");
        }
        if (ids.length > cfg.maxSeqLen()) {
            throw new IllegalArgumentException("prompt of " + ids.length + " tokens is longer than the model's context"
                    + " (max_seq_len " + cfg.maxSeqLen() + "); shorten the prompt");
        }
    }

    /** Row-major values of a tensor as doubles. */
    static double[] values(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** A 2-D tensor's rows as doubles. */
    static double[][] matrix(INDArray a) {
        int c = (int) a.size(1);
        double[] v = values(a);
        double[][] m = new double[v.length / c][];
        for (int r = 0; r < m.length; r++) {
            m[r] = Arrays.copyOfRange(v, r * c, (r + 1) * c);
        }
        return m;
    }

    /** The largest-|value| element of {@code a [T, C]} (first in row-major order on ties). */
    static Extreme extreme(INDArray a) {
        return extreme(matrix(a));
    }

    /** The largest-|value| element of {@code rows [T][C]} (first in row-major order on ties). */
    static Extreme extreme(double[][] rows) {
        int c = rows[0].length;
        double[] abs = new double[rows.length * c];
        int best = 0;
        for (int r = 0; r < rows.length; r++) {
            for (int k = 0; k < c; k++) {
                int i = r * c + k;
                abs[i] = Math.abs(rows[r][k]);
                if (abs[i] > abs[best]) {
                    best = i;
                }
            }
        }
        return new Extreme(best / c, best % c, rows[best / c][best % c], median(abs));
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int j = 0; j < n; j++) {
            p[j] = j;
        }
        return p;
    }

    private static double[] channelMax(INDArray a) {
        int c = (int) a.size(1);
        double[] v = values(a);
        double[] m = new double[c];
        for (int k = 0; k < v.length; k++) {
            m[k % c] = Math.max(m[k % c], Math.abs(v[k]));
        }
        return m;
    }
}
