package dev.sinter.eval.superweights;

import dev.sinter.models.config.ModelConfig;
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

    /** One layer's extremes. */
    public record LayerStats(int layer, Extreme downInput, Extreme downOutput, Extreme residual) {
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
            }
            names.add(ParameterNames.layerOutput(i));
        }
        Map<String, INDArray> out = model.forward(new int[][]{ids}, names.toArray(String[]::new));
        List<LayerStats> layers = new ArrayList<>();
        double[][] residualMax = new double[cfg.nLayers()][];
        for (int i = 0; i < cfg.nLayers(); i++) {
            boolean dense = !cfg.moeLayers().contains(i);
            INDArray resid = out.get(ParameterNames.layerOutput(i));
            residualMax[i] = channelMax(resid);
            layers.add(new LayerStats(i, dense ? extreme(out.get(ParameterNames.downProjInput(i))) : null,
                    dense ? extreme(out.get(ParameterNames.downProjOutput(i))) : null, extreme(resid)));
        }
        return new ActivationScan(ids.length, layers, residualMax);
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

    /** Row-major values of a 2-D tensor as doubles. */
    static double[] values(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** The largest-|value| element of {@code a [T, C]} (first in row-major order on ties). */
    static Extreme extreme(INDArray a) {
        int c = (int) a.size(1);
        double[] v = values(a);
        int best = 0;
        double[] abs = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            abs[k] = Math.abs(v[k]);
            if (abs[k] > abs[best]) {
                best = k;
            }
        }
        return new Extreme(best / c, best % c, v[best], median(abs));
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
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
