package dev.sinter.encoders;

import dev.sinter.framework.samediff.SameDiffRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The super-weight / massive-activation view of an encoder (papers.md §1.2 and §1.9): for each layer, the largest
 * |value| of the FFN output projection's input and output (the roles of {@code down_proj}'s) and of the hidden
 * state, with its token and channel and its ratio to the median |value| of that tensor. Padding positions are
 * excluded. The read-out candidate at the earliest spiking layer is {@code output.dense.weight[row = output channel,
 * col = input channel]}.
 */
public final class EncoderActivationScan {
    /** The largest |value| of one tensor. */
    public record Extreme(double value, int token, int channel, double ratioToMedian) {
    }

    /** One layer's extremes. */
    public record Layer(int index, Extreme ffnInput, Extreme ffnOutput, Extreme hidden) {
    }

    private EncoderActivationScan() {
    }

    /** Scans the given texts in one batch. */
    public static List<Layer> scan(BertEncoder model, EncoderTokenizer tok, List<String> texts, int maxLength) {
        EncodedBatch batch = tok.encode(texts, maxLength);
        int layers = model.config().nLayers();
        String[] names = new String[3 * layers];
        for (int i = 0; i < layers; i++) {
            names[3 * i] = BertNames.downProjInput(i);
            names[3 * i + 1] = BertNames.downProjOutput(i);
            names[3 * i + 2] = BertNames.layerOutput(i);
        }
        Map<String, INDArray> out = model.output(batch, names);
        boolean[] real = realTokens(batch);
        List<Layer> result = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            result.add(new Layer(i, extreme(out.get(names[3 * i]), real), extreme(out.get(names[3 * i + 1]), real),
                    extreme(out.get(names[3 * i + 2]), real)));
        }
        SameDiffRuntime.releaseMemory();
        return result;
    }

    /** A one-paragraph verdict with the evidence, using the paper's spike rule and Sun et al.'s massive criterion. */
    public static String verdict(List<Layer> layers, double thresholdAbs, double thresholdRel) {
        for (Layer l : layers) {
            boolean spike = Math.abs(l.ffnOutput().value()) > thresholdAbs && l.ffnOutput().ratioToMedian() > thresholdRel
                    && Math.abs(l.ffnInput().value()) > thresholdAbs;
            if (spike) {
                return String.format(Locale.ROOT, "candidate super weight: layers[%d].output.dense.weight[%d, %d] (FFN input"
                                + " %.1f at channel %d, output %.1f at channel %d, %.0f× the median)", l.index(),
                        l.ffnOutput().channel(), l.ffnInput().channel(), l.ffnInput().value(), l.ffnInput().channel(),
                        l.ffnOutput().value(), l.ffnOutput().channel(), l.ffnOutput().ratioToMedian());
            }
        }
        Layer top = layers.stream().max((a, b) -> Double.compare(a.hidden().ratioToMedian(), b.hidden().ratioToMedian()))
                .orElseThrow();
        Layer topOut = layers.stream().max((a, b) -> Double.compare(Math.abs(a.ffnOutput().value()),
                Math.abs(b.ffnOutput().value()))).orElseThrow();
        boolean massive = Math.abs(top.hidden().value()) > 100 && top.hidden().ratioToMedian() > 1000;
        return String.format(Locale.ROOT, "no super weight found: the largest |FFN output| is %.2f (layer %d, channel %d,"
                        + " %.1f× the median) against |x| > %.0f and > %.0f× the median; %s: the largest hidden-state ratio"
                        + " is %.1f× (layer %d, channel %d, token %d, |h| %.2f)", topOut.ffnOutput().value(),
                topOut.index(), topOut.ffnOutput().channel(), topOut.ffnOutput().ratioToMedian(), thresholdAbs,
                thresholdRel, massive ? "massive activations present" : "no massive activations (>100 and >1000× median)",
                top.hidden().ratioToMedian(), top.index(), top.hidden().channel(), top.hidden().token(),
                Math.abs(top.hidden().value()));
    }

    private static boolean[] realTokens(EncodedBatch batch) {
        INDArray mask = batch.placeholders(DataType.FLOAT).get(BertEncoder.ATTENTION_MASK); // [B, T], 1 = token
        double[] m = mask.reshape(-1).toDoubleVector();
        boolean[] real = new boolean[m.length];
        for (int i = 0; i < m.length; i++) {
            real[i] = m[i] > 0.5;
        }
        return real;
    }

    private static Extreme extreme(INDArray x, boolean[] real) {
        double[][] v = x.castTo(DataType.DOUBLE).reshape(real.length, -1).toDoubleMatrix(); // [N, C]
        double best = 0;
        int token = -1;
        int channel = -1;
        List<Double> abs = new ArrayList<>();
        for (int n = 0; n < v.length; n++) {
            if (!real[n]) {
                continue;
            }
            for (int c = 0; c < v[n].length; c++) {
                double a = Math.abs(v[n][c]);
                abs.add(a);
                if (a > Math.abs(best)) {
                    best = v[n][c];
                    token = n;
                    channel = c;
                }
            }
        }
        double[] sorted = abs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        double median = sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
        return new Extreme(best, token, channel, Math.abs(best) / Math.max(median, 1e-12));
    }
}
