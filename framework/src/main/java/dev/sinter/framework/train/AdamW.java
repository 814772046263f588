package dev.sinter.framework.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter): {@code p ← p − lr·(m̂/(√v̂+ε) + λ·p)}.
 *
 * <p>ND4J has no AdamW (samediff-notes.md, bug 7), so the update is written here with in-place array ops and one
 * reused work array per parameter: fresh off-heap temporaries cost page faults on every step. Decay
 * applies to parameters of rank ≥ 2 only (weight matrices and embeddings, not norm gains or biases). State
 * ({@code exp_avg}, {@code exp_avg_sq} per parameter, and the step count) is exposed for checkpoints.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, INDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, INDArray> expAvgSq = new LinkedHashMap<>();
    private final Map<String, INDArray> scratch = new LinkedHashMap<>(); // one work array per parameter
    private long step;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Applies one update to every parameter that has a gradient. */
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        for (Map.Entry<String, INDArray> e : grads.entrySet()) {
            INDArray p = params.get(e.getKey());
            INDArray g = e.getValue();
            INDArray m = expAvg.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray v = expAvgSq.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray tmp = scratch.computeIfAbsent(e.getKey(), k -> p.ulike()); // reused: no fresh memory per step
            m.muli(beta1).addi(tmp.assign(g).muli(1 - beta1));
            v.muli(beta2).addi(tmp.assign(g).muli(g).muli(1 - beta2));
            if (weightDecay > 0 && p.rank() >= 2) {
                p.muli(1 - lr * weightDecay);
            }
            // p -= lr · (m / bc1) / (sqrt(v / bc2) + eps)
            INDArray denom = Transforms.sqrt(tmp.assign(v).divi(bc2), false).addi(eps);
            p.subi(denom.rdivi(m).muli(lr / bc1));
        }
    }

    public long stepCount() {
        return step;
    }

    /** State tensors named {@code <param>.exp_avg} and {@code <param>.exp_avg_sq}. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String k : expAvg.keySet()) {
            out.put(k + ".exp_avg", expAvg.get(k));
            out.put(k + ".exp_avg_sq", expAvgSq.get(k));
        }
        return out;
    }

    /** Bytes held by the optimizer state. */
    public long stateBytes() {
        long n = 0;
        for (INDArray a : state().values()) {
            n += a.length() * a.dataType().width();
        }
        return n;
    }

    /** Restores state written by {@link #state()}; shapes must match the parameters. */
    public void restore(Map<String, INDArray> state, long stepCount, Map<String, INDArray> params) {
        expAvg.clear();
        expAvgSq.clear();
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            String key = e.getKey();
            boolean sq = key.endsWith(".exp_avg_sq");
            String name = key.substring(0, key.length() - (sq ? ".exp_avg_sq".length() : ".exp_avg".length()));
            INDArray p = params.get(name);
            if (p == null || !java.util.Arrays.equals(p.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("optimizer state '" + key + "' does not match any parameter of this"
                        + " model (shape " + java.util.Arrays.toString(e.getValue().shape()) + ")");
            }
            (sq ? expAvgSq : expAvg).put(name, e.getValue().castTo(p.dataType()).dup());
        }
        this.step = stepCount;
    }
}
