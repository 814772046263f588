package dev.sinter.eval.superweights;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * In-place changes to a model's live parameter arrays that {@link #close()} undoes exactly: every changed scalar's
 * original value is kept (a float read as a double and written back is bit-identical) and written back in reverse
 * order. Use with try-with-resources around one evaluation.
 */
public final class WeightEdit implements AutoCloseable {
    /** The matrices of the paper's "prune non-SW" condition: q/k/v/o and gate/up/down of every layer (§1.4). */
    private static final Pattern PROJECTION = Pattern.compile("model\\.layers\\.\\d+\\.(self_attn|mlp)\\.[a-z]+_proj\\.weight");

    private record Change(INDArray array, long row, long col, double original) {
    }

    private final Map<String, INDArray> params;
    private final Deque<Change> changes = new ArrayDeque<>();

    public WeightEdit(TransformerModel model) {
        this.params = model.parameters();
    }

    /** Sets {@code name[row, col]} to {@code value}. */
    public WeightEdit set(String name, long row, long col, double value) {
        INDArray a = params.get(name);
        if (a == null) {
            throw new IllegalArgumentException("unknown parameter '" + name + "'");
        }
        changes.push(new Change(a, row, col, a.getDouble(row, col)));
        a.putScalar(new long[]{row, col}, value);
        return this;
    }

    /** Zeroes each super weight (paper's "Prune SW"). */
    public WeightEdit prune(Collection<SuperWeight> sws) {
        return scale(sws, 0);
    }

    /** Multiplies each super weight by {@code s} (§1.6), from its current value. */
    public WeightEdit scale(Collection<SuperWeight> sws, double s) {
        for (SuperWeight sw : sws) {
            double v = params.get(sw.parameter()).getDouble(sw.row(), sw.col());
            set(sw.parameter(), sw.row(), sw.col(), v * s);
        }
        return this;
    }

    /**
     * The paper's "Prune Non-SW" (§1.4): in every q/k/v/o/gate/up/down matrix, zeroes the ⌊fraction·numel⌋ largest |w|
     * (ties by position) that are not super weights. Returns how many scalars were zeroed.
     */
    public long pruneLargestOthers(double fraction, Collection<SuperWeight> keep) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new UsageException("prune fraction must be in [0, 1), got " + fraction);
        }
        long total = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (!PROJECTION.matcher(e.getKey()).matches()) {
                continue;
            }
            INDArray a = e.getValue();
            long cols = a.size(1);
            int k = (int) Math.floor(fraction * a.length());
            if (k == 0) {
                continue;
            }
            double[] v = ActivationScan.values(a);
            List<Integer> order = new ArrayList<>(v.length);
            for (int i = 0; i < v.length; i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingDouble((Integer i) -> -Math.abs(v[i])).thenComparingInt(i -> i));
            int done = 0;
            for (int i : order) {
                if (done == k) {
                    break;
                }
                long r = i / cols;
                long c = i % cols;
                if (isSuperWeight(e.getKey(), r, c, keep)) {
                    continue;
                }
                set(e.getKey(), r, c, 0);
                done++;
            }
            total += done;
        }
        return total;
    }

    private static boolean isSuperWeight(String name, long r, long c, Collection<SuperWeight> sws) {
        return sws.stream().anyMatch(s -> s.row() == r && s.col() == c && name.equals(s.parameter()));
    }

    /** Number of scalars changed so far. */
    public int size() {
        return changes.size();
    }

    /** Restores every changed scalar to its original value. */
    @Override
    public void close() {
        while (!changes.isEmpty()) {
            Change c = changes.pop();
            c.array().putScalar(new long[]{c.row(), c.col()}, c.original());
        }
    }

    /** The original value of each super weight as stored in the model now. */
    static List<SuperWeight> withCurrentValues(TransformerModel model, Collection<SuperWeight> sws) {
        Map<String, INDArray> p = model.parameters();
        return sws.stream().map(s -> s.withValue(p.get(ParameterNames.mlp(s.layer(), "down"))
                .getDouble(s.row(), s.col()))).toList();
    }
}
