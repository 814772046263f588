package dev.sinter.framework.train;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter): {@code p ← p − lr·(m̂/(√v̂+ε) + λ·p)}.
 *
 * <p>ND4J has no AdamW (samediff-notes.md, bug 7), so the update is written here. Dense FLOAT tensors take one fused
 * pass over {@code p, g, m, v} in Java that rounds every intermediate to float exactly as the array-op sequence
 * does (bit-identical results): at 110M parameters it takes 0.30 s where the ten separate ND4J passes took 1.25 s,
 * and it needs no work array (docs/results/scale-110m.md). Other tensors (DOUBLE, views) take that array-op
 * sequence with one reused work array per parameter: fresh off-heap temporaries cost page faults on every step.
 * Decay applies to parameters of rank ≥ 2 only (weight matrices and embeddings, not norm gains or biases). State
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
            boolean decay = weightDecay > 0 && p.rank() >= 2;
            if (denseFloat(p) && denseFloat(g) && denseFloat(m) && denseFloat(v) && g.length() == p.length()) {
                fusedFloatStep(p, g, m, v, decay, lr, bc1, bc2);
            } else {
                arrayOpStep(e.getKey(), p, g, m, v, decay, lr, bc1, bc2);
            }
        }
    }

    /** A FLOAT array that owns its whole 'c'-ordered buffer (not a view), so its buffer index is its element index. */
    private static boolean denseFloat(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && !a.isView()
                && a.data().length() == a.length();
    }

    /**
     * The update of {@link #arrayOpStep} in one pass: each scalar is rounded to float as ND4J's scalar ops round
     * it, and each operation is a separate float operation (Java never fuses them), so the results are identical.
     */
    private void fusedFloatStep(INDArray p, INDArray g, INDArray m, INDArray v, boolean decay, double lr, double bc1,
                                double bc2) {
        FloatBuffer pb = p.data().asNioFloat();
        FloatBuffer gb = g.data().asNioFloat();
        FloatBuffer mb = m.data().asNioFloat();
        FloatBuffer vb = v.data().asNioFloat();
        float b1 = (float) beta1;
        float c1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float c2 = (float) (1 - beta2);
        float keep = (float) (1 - lr * weightDecay);
        float bc2f = (float) bc2;
        float epsf = (float) eps;
        float stepSize = (float) (lr / bc1);
        for (int i = 0, n = Math.toIntExact(p.length()); i < n; i++) {
            float gi = gb.get(i);
            float mi = mb.get(i) * b1 + gi * c1;
            float vi = vb.get(i) * b2 + gi * gi * c2;
            mb.put(i, mi);
            vb.put(i, vi);
            float pi = decay ? pb.get(i) * keep : pb.get(i);
            float denom = (float) Math.sqrt(vi / bc2f) + epsf;
            pb.put(i, pi - mi / denom * stepSize);
        }
        Reference.reachabilityFence(p); // the NIO views do not keep ND4J's off-heap memory alive
        Reference.reachabilityFence(g);
        Reference.reachabilityFence(m);
        Reference.reachabilityFence(v);
    }

    /** The update as in-place ND4J array ops with one reused work array per parameter. */
    private void arrayOpStep(String name, INDArray p, INDArray g, INDArray m, INDArray v, boolean decay, double lr,
                             double bc1, double bc2) {
        INDArray tmp = scratch.computeIfAbsent(name, k -> p.ulike()); // reused: no fresh memory per step
        m.muli(beta1).addi(tmp.assign(g).muli(1 - beta1));
        v.muli(beta2).addi(tmp.assign(g).muli(g).muli(1 - beta2));
        if (decay) {
            p.muli(1 - lr * weightDecay);
        }
        // p -= lr · (m / bc1) / (sqrt(v / bc2) + eps)
        INDArray denom = Transforms.sqrt(tmp.assign(v).divi(bc2), false).addi(eps);
        p.subi(denom.rdivi(m).muli(lr / bc1));
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
