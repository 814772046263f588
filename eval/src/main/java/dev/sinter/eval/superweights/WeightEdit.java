package dev.sinter.eval.superweights;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * In-place changes to a model's live parameter arrays that {@link #close()} undoes exactly: every changed scalar's
 * original value is kept (a float read as a double and written back is bit-identical) and written back in reverse
 * order. Use with try-with-resources around one evaluation.
 */
public final class WeightEdit implements AutoCloseable {
    /** The matrices of the paper's "prune non-SW" condition: every layer's weights except the norms (§1.4). */
    private static final Pattern LAYER_MATRIX = Pattern.compile("model\\.layers\\.\\d+\\.(?!.*norm).*\\.weight");

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
     * The paper's "Prune Non-SW" as its code runs it ({@code search_percentage_<p>_0-<n>_all} with
     * {@code restore_and_scale_GO=1}, papers.md §1.4): in every linear weight matrix of the layers (norms, embeddings
     * and the LM head excluded; in MoE layers every expert, the residual MLP, the router and the mix coefficient too),
     * {@code k = ⌊fraction·numel⌋} (matrices with {@code k < 1} are left alone), the threshold is the k-th largest |w|,
     * and every element with {@code |w| ≥ threshold} is zeroed (ties included, so possibly more than k); the super
     * weights are among the candidates and get their value back. Returns how many other scalars were zeroed.
     */
    public long pruneLargestOthers(double fraction, Collection<SuperWeight> keep) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new UsageException("prune fraction must be in [0, 1), got " + fraction);
        }
        long total = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray a = e.getValue();
            if (!LAYER_MATRIX.matcher(e.getKey()).matches() || a.rank() != 2) {
                continue;
            }
            int k = (int) Math.floor(fraction * a.length());
            if (k < 1) {
                continue;
            }
            long cols = a.size(1);
            double[] v = ActivationScan.values(a);
            double[] abs = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                abs[i] = Math.abs(v[i]);
            }
            double[] sorted = abs.clone();
            Arrays.sort(sorted);
            double threshold = sorted[sorted.length - k]; // the k-th largest |w|
            for (int i = 0; i < v.length; i++) {
                long r = i / cols;
                long c = i % cols;
                if (abs[i] >= threshold && !isSuperWeight(e.getKey(), r, c, keep)) {
                    set(e.getKey(), r, c, 0);
                    total++;
                }
            }
        }
        return total;
    }

    /**
     * The random baseline of "prune SW": for each super weight, zeroes one other weight drawn uniformly from the same
     * matrix (never a super weight, never twice the same), so as many scalars change in the same matrices. Returns how
     * many were zeroed.
     */
    public long pruneRandom(Collection<SuperWeight> sws, Random rng) {
        Set<String> taken = new HashSet<>();
        long total = 0;
        for (SuperWeight sw : sws) {
            INDArray a = params.get(sw.parameter()); // [rows, cols]
            if (a.length() <= sws.size() + taken.size()) {
                throw new IllegalArgumentException(sw.parameter() + " has too few weights for a random baseline");
            }
            while (true) {
                long r = rng.nextInt((int) a.size(0));
                long c = rng.nextInt((int) a.size(1));
                if (!isSuperWeight(sw.parameter(), r, c, sws) && taken.add(sw.parameter() + "[" + r + "," + c + "]")) {
                    set(sw.parameter(), r, c, 0);
                    total++;
                    break;
                }
            }
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
        return sws.stream().map(s -> s.withValue(p.get(s.parameter()).getDouble(s.row(), s.col()))).toList();
    }
}
