package dev.sinter.framework.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * Fused elementwise kernels that the training graphs' Java ops run on ND4J arrays in place (one pass over memory
 * where the composed SameDiff ops take several). {@link VectorFusedKernels} uses the incubating Vector API and is
 * chosen when the JVM runs with {@code --add-modules jdk.incubator.vector}; {@link ScalarFusedKernels} is the
 * plain-Java fallback and the float64 path. Single-threaded: a training replica runs its ops on one thread.
 */
public abstract class FusedKernels {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final boolean VECTOR = ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    private static final FusedKernels BEST = VECTOR ? vector() : new ScalarFusedKernels();

    /** The fastest kernels this JVM can run. */
    public static FusedKernels best() {
        return BEST;
    }

    /**
     * True when the Vector API kernels run (the JVM has the module): only then are fused float32 ops faster than
     * ND4J's composed ones.
     */
    public static boolean vectorized() {
        return VECTOR;
    }

    /** Loaded by name so that a JVM without the incubator module never links the class. */
    private static FusedKernels vector() {
        try {
            return (FusedKernels) Class.forName("dev.sinter.framework.kernels.VectorFusedKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create the Vector API kernels", e);
        }
    }

    /** A short name for logs and benchmark output, e.g. {@code vector-512} or {@code scalar}. */
    public abstract String describe();

    /** SwiGLU {@code out = silu(g) ⊙ u = g ⊙ σ(g) ⊙ u}, elementwise over same-shaped arrays of one float type. */
    public final void swiGlu(INDArray g, INDArray u, INDArray out) {
        sameShapes(g, u, out);
        Target y = new Target(out);
        swiGlu(in(g), in(u), y.buffer(), (int) g.length(), g.dataType());
        y.finish();
    }

    /**
     * The SwiGLU gradients for upstream {@code dOut}: {@code dg = dOut ⊙ u ⊙ σ(g) ⊙ (1 + g ⊙ (1 − σ(g)))} and
     * {@code du = dOut ⊙ g ⊙ σ(g)}.
     */
    public final void swiGluBackward(INDArray g, INDArray u, INDArray dOut, INDArray dg, INDArray du) {
        sameShapes(g, u, dOut, dg, du);
        Target dgOut = new Target(dg), duOut = new Target(du);
        swiGluBackward(in(g), in(u), in(dOut), dgOut.buffer(), duOut.buffer(), (int) g.length(), g.dataType());
        dgOut.finish();
        duOut.finish();
    }

    /**
     * RMSNorm over the last axis: {@code y[n, :] = x[n, :] ⊙ w · r[n]} with {@code r[n] = 1 / √(mean(x[n, :]²) + eps)},
     * for x and y {@code [N, D]} and w {@code [D]}.
     */
    public final void rmsNorm(INDArray x, INDArray w, double eps, INDArray y) {
        int d = rowWidth(x, w);
        sameShapes(x, y);
        Target out = new Target(y);
        rmsNorm(in(x), in(w), eps, out.buffer(), (int) (x.length() / d), d, x.dataType());
        out.finish();
    }

    /**
     * The RMSNorm gradients for upstream {@code dy} {@code [N, D]}: {@code dx[n, :] = r[n]·(w ⊙ dy[n, :]) −
     * x[n, :]·r[n]³/D·Σ_k w[k]·dy[n, k]·x[n, k]} and {@code dw = Σ_n dy[n, :] ⊙ x[n, :]·r[n]}.
     */
    public final void rmsNormBackward(INDArray x, INDArray w, INDArray dy, double eps, INDArray dx, INDArray dw) {
        int d = rowWidth(x, w);
        sameShapes(x, dy, dx);
        sameShapes(w, dw);
        Target dxOut = new Target(dx), dwOut = new Target(dw);
        rmsNormBackward(in(x), in(w), in(dy), eps, dxOut.buffer(), dwOut.buffer(), (int) (x.length() / d), d,
                x.dataType());
        dxOut.finish();
        dwOut.finish();
    }

    /**
     * {@code y = softmax(s + b)} over the last axis, for scores s and an additive bias b (a mask: large negative
     * where a query must not look) of the same shape.
     */
    public final void biasedSoftmax(INDArray s, INDArray b, INDArray y) {
        sameShapes(s, b, y);
        int c = (int) s.size(-1);
        Target out = new Target(y);
        biasedSoftmax(in(s), in(b), out.buffer(), (int) (s.length() / c), c, s.dataType());
        out.finish();
    }

    /** The softmax gradient over the last axis from its output y: {@code ds = y ⊙ (dy − Σ_row y ⊙ dy)}. */
    public final void softmaxBackward(INDArray y, INDArray dy, INDArray ds) {
        sameShapes(y, dy, ds);
        int c = (int) y.size(-1);
        Target out = new Target(ds);
        softmaxBackward(in(y), in(dy), out.buffer(), (int) (y.length() / c), c, y.dataType());
        out.finish();
    }

    /**
     * Per-row cross-entropy of logits {@code [N, V]} (float) against integer labels {@code [N]}:
     * {@code nll[n] = log Σ_v e^{logits[n, v]} − logits[n, labels[n]]}; a label outside {@code [0, V)} (padding)
     * gives 0.
     */
    public final void crossEntropy(INDArray logits, INDArray labels, INDArray nll) {
        int v = classes(logits, labels, nll);
        Target out = new Target(nll);
        crossEntropy(in(logits), labels.toIntVector(), out.buffer(), v, logits.dataType());
        out.finish();
    }

    /**
     * The gradient of {@link #crossEntropy} for upstream {@code dNll [N]}: {@code dLogits[n, :] = dNll[n]·
     * (softmax(logits[n, :]) − onehot(labels[n]))}, zero for a row whose label is outside {@code [0, V)}.
     */
    public final void crossEntropyBackward(INDArray logits, INDArray labels, INDArray dNll, INDArray dLogits) {
        int v = classes(logits, labels, dNll);
        sameShapes(logits, dLogits);
        Target out = new Target(dLogits);
        crossEntropyBackward(in(logits), labels.toIntVector(), in(dNll), out.buffer(), v, logits.dataType());
        out.finish();
    }

    /** {@link #crossEntropy(INDArray, INDArray, INDArray)} for {@code labels.length} rows of v logits. */
    abstract void crossEntropy(ByteBuffer logits, int[] labels, ByteBuffer nll, int v, DataType type);

    /** {@link #crossEntropyBackward(INDArray, INDArray, INDArray, INDArray)} for {@code labels.length} rows. */
    abstract void crossEntropyBackward(ByteBuffer logits, int[] labels, ByteBuffer dNll, ByteBuffer dLogits, int v,
                                       DataType type);

    /** V, after checking logits {@code [N, V]}, labels {@code [N]} and the per-row array {@code [N]}. */
    private static int classes(INDArray logits, INDArray labels, INDArray perRow) {
        if (logits.rank() != 2 || labels.length() != logits.size(0) || perRow.length() != logits.size(0)
                || !labels.dataType().isIntType()) {
            throw new IllegalArgumentException("cross-entropy takes logits [N, V], integer labels [N] and [N] per row, "
                    + "got " + logits.shapeInfoToString() + ", " + labels.shapeInfoToString() + ", "
                    + perRow.shapeInfoToString());
        }
        requireFloatType(logits);
        if (perRow.dataType() != logits.dataType()) {
            throw new IllegalArgumentException("cross-entropy's per-row array must be " + logits.dataType() + ", got "
                    + perRow.dataType());
        }
        return (int) logits.size(1);
    }

    /** {@link #biasedSoftmax(INDArray, INDArray, INDArray)} on {@code rows × c} elements. */
    abstract void biasedSoftmax(ByteBuffer s, ByteBuffer b, ByteBuffer y, int rows, int c, DataType type);

    /** {@link #softmaxBackward(INDArray, INDArray, INDArray)} on {@code rows × c} elements. */
    abstract void softmaxBackward(ByteBuffer y, ByteBuffer dy, ByteBuffer ds, int rows, int c, DataType type);

    /** {@link #rmsNorm(INDArray, INDArray, double, INDArray)} on {@code rows × d} elements. */
    abstract void rmsNorm(ByteBuffer x, ByteBuffer w, double eps, ByteBuffer y, int rows, int d, DataType type);

    /** {@link #rmsNormBackward(INDArray, INDArray, INDArray, double, INDArray, INDArray)} on {@code rows × d}. */
    abstract void rmsNormBackward(ByteBuffer x, ByteBuffer w, ByteBuffer dy, double eps, ByteBuffer dx, ByteBuffer dw,
                                  int rows, int d, DataType type);

    /** {@link #swiGlu(INDArray, INDArray, INDArray)} on n elements of each buffer (positioned at the first). */
    abstract void swiGlu(ByteBuffer g, ByteBuffer u, ByteBuffer out, int n, DataType type);

    /** {@link #swiGluBackward(INDArray, INDArray, INDArray, INDArray, INDArray)} on n elements of each buffer. */
    abstract void swiGluBackward(ByteBuffer g, ByteBuffer u, ByteBuffer dOut, ByteBuffer dg, ByteBuffer du, int n,
                                 DataType type);

    /** D, the width of x's rows that w {@code [D]} scales (x of rank ≥ 1, its last axis D). */
    private static int rowWidth(INDArray x, INDArray w) {
        int d = (int) x.size(-1);
        if (w.length() != d || w.dataType() != x.dataType()) {
            throw new IllegalArgumentException("norm weight " + w.shapeInfoToString() + " does not fit rows of "
                    + x.shapeInfoToString());
        }
        return d;
    }

    /** The array's elements as a native-order buffer whose index 0 is the array's first element. */
    private static ByteBuffer buffer(INDArray a) {
        long bytes = a.length() * a.dataType().width();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("fused kernels take arrays up to 2 GB, got " + bytes + " bytes");
        }
        ByteBuffer all = a.data().asNio().order(ByteOrder.nativeOrder());
        int from = Math.toIntExact(a.offset() * a.dataType().width());
        return all.slice(from, (int) bytes).order(ByteOrder.nativeOrder());
    }

    private static boolean contiguous(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a);
    }

    /** An input's elements as a buffer: its own memory, or that of a contiguous copy. */
    private static ByteBuffer in(INDArray a) {
        return buffer(contiguous(a) ? a : a.dup('c'));
    }

    /** An output the kernel writes: the array's own memory, or a contiguous scratch that {@link #finish} copies back. */
    private static final class Target {
        private final INDArray array;
        private final INDArray scratch;

        Target(INDArray array) {
            this.array = array;
            this.scratch = contiguous(array) ? array : array.ulike();
        }

        ByteBuffer buffer() {
            return FusedKernels.buffer(scratch);
        }

        void finish() {
            if (scratch != array) {
                array.assign(scratch);
            }
        }
    }

    private static void requireFloatType(INDArray a) {
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("fused kernels take FLOAT or DOUBLE arrays, got " + a.dataType());
        }
    }

    private static void sameShapes(INDArray first, INDArray... others) {
        requireFloatType(first);
        for (INDArray o : others) {
            if (!first.equalShapes(o) || o.dataType() != first.dataType()) {
                throw new IllegalArgumentException("fused kernel arrays differ: " + first.shapeInfoToString()
                        + " vs " + o.shapeInfoToString());
            }
        }
    }
}
