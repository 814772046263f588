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

    /**
     * The gradient of a row gather {@code y[m] = table[idx[m]]} for upstream {@code dy}: {@code dTable[r] =
     * Σ_{m : idx[m] = r} dy[m]}, zero in rows no index names. dTable has R rows of W elements (its first axis and the
     * rest), dy {@code idx.length} rows of W; an index outside {@code [0, R)} is an error.
     */
    public final void scatterAddRows(INDArray dy, INDArray idx, INDArray dTable) {
        requireFloatType(dTable);
        long rows = dTable.size(0);
        int width = (int) (dTable.length() / Math.max(rows, 1));
        int[] index = checkedIndices(idx, rows);
        if (dy.dataType() != dTable.dataType() || dy.length() != (long) index.length * width) {
            throw new IllegalArgumentException("row gather gradient: " + dy.shapeInfoToString() + " is not "
                    + index.length + " rows of " + width + " " + dTable.dataType());
        }
        Target out = new Target(dTable);
        scatterAddRows(in(dy), index, out.zeroedBuffer(), width, dTable.dataType()); // rows no index names stay 0
        out.finish();
    }

    /** {@link #scatterAddRows(INDArray, INDArray, INDArray)} into a zeroed table, rows of {@code width} elements. */
    abstract void scatterAddRows(ByteBuffer dy, int[] idx, ByteBuffer table, int width, DataType type);

    /**
     * Scaled row gather {@code out[m] = scale[m] · table[idx[m]]}: table {@code [R, W]}, integer idx and scale
     * {@code [M]}, out {@code [M, W]} (a mixture of experts' combine: each token's expert row times its gate).
     */
    public final void scaledGather(INDArray table, INDArray idx, INDArray scale, INDArray out) {
        int[] index = rowIndices(table, idx, scale);
        requireRows(out, table, index.length);
        Target y = new Target(out);
        scaledGather(in(table), index, in(scale), y.buffer(), (int) table.size(1), table.dataType());
        y.finish();
    }

    /**
     * The gradients of {@link #scaledGather} for upstream {@code dOut [M, W]}: {@code dTable[r] = Σ_{m : idx[m] = r}
     * scale[m]·dOut[m]} (zero in rows no index names) and {@code dScale[m] = dOut[m] · table[idx[m]]}.
     */
    public final void scaledGatherBackward(INDArray table, INDArray idx, INDArray scale, INDArray dOut,
                                           INDArray dTable, INDArray dScale) {
        int[] index = rowIndices(table, idx, scale);
        sameShapes(table, dTable);
        sameShapes(scale, dScale);
        requireRows(dOut, table, index.length);
        Target dt = new Target(dTable), ds = new Target(dScale);
        scaledGatherBackward(in(table), index, in(scale), in(dOut), dt.zeroedBuffer(), ds.buffer(),
                (int) table.size(1), table.dataType());
        dt.finish();
        ds.finish();
    }

    /** The indices of a row gather from table {@code [R, W]} with one scale per index, each checked to be in range. */
    private static int[] rowIndices(INDArray table, INDArray idx, INDArray scale) {
        requireFloatType(table);
        if (table.rank() != 2 || scale.length() != idx.length() || scale.dataType() != table.dataType()
                || !idx.dataType().isIntType()) {
            throw new IllegalArgumentException("scaled gather takes a table [R, W], integer indices [M] and scales [M]"
                    + " of the table's type, got " + table.shapeInfoToString() + ", " + idx.shapeInfoToString() + ", "
                    + scale.shapeInfoToString());
        }
        return checkedIndices(idx, table.size(0));
    }

    /** Integer indices of any shape, in order, each checked to name one of {@code rows} rows. */
    private static int[] checkedIndices(INDArray idx, long rows) {
        int[] index = idx.reshape(idx.length()).toIntVector();
        for (int i : index) {
            if (i < 0 || i >= rows) {
                throw new IllegalArgumentException("gather index " + i + " outside [0, " + rows + ")");
            }
        }
        return index;
    }

    /** Checks that {@code a} is {@code [m, W]} rows of the table's width and type. */
    private static void requireRows(INDArray a, INDArray table, int m) {
        if (a.rank() != 2 || a.size(0) != m || a.size(1) != table.size(1) || a.dataType() != table.dataType()) {
            throw new IllegalArgumentException("expected " + m + " rows of " + table.size(1) + " " + table.dataType()
                    + ", got " + a.shapeInfoToString());
        }
    }

    /** {@link #scaledGather(INDArray, INDArray, INDArray, INDArray)} on rows of {@code width} elements. */
    abstract void scaledGather(ByteBuffer table, int[] idx, ByteBuffer scale, ByteBuffer out, int width,
                               DataType type);

    /** {@link #scaledGatherBackward} into a zeroed table gradient, rows of {@code width} elements. */
    abstract void scaledGatherBackward(ByteBuffer table, int[] idx, ByteBuffer scale, ByteBuffer dOut,
                                       ByteBuffer dTable, ByteBuffer dScale, int width, DataType type);

    /**
     * Rotary position embedding over the last axis (hd, even): {@code y = x ⊙ cos + swap(x) ⊙ sin} for same-shaped x,
     * cos, sin and y. Rotation pairs are {@code (2i, 2i+1)} when {@code adjacent} (llama2.c, Meta) and
     * {@code (j, j + hd/2)} otherwise (rotate-half, HF); within a pair {@code (a, b)}, {@code swap(x)_a = −x_b} and
     * {@code swap(x)_b = x_a}.
     */
    public final void rope(INDArray x, INDArray cos, INDArray sin, boolean adjacent, INDArray y) {
        sameShapes(x, cos, sin, y);
        int hd = headDim(x);
        Target out = new Target(y);
        rope(in(x), in(cos), in(sin), out.buffer(), (int) (x.length() / hd), hd, adjacent, false, x.dataType());
        out.finish();
    }

    /**
     * The gradient of {@link #rope} for upstream {@code dy}: {@code dx = dy ⊙ cos − swap(dy ⊙ sin)} (the rotation's
     * transpose; the tables are inputs, not parameters, and get none).
     */
    public final void ropeBackward(INDArray dy, INDArray cos, INDArray sin, boolean adjacent, INDArray dx) {
        sameShapes(dy, cos, sin, dx);
        int hd = headDim(dy);
        Target out = new Target(dx);
        rope(in(dy), in(cos), in(sin), out.buffer(), (int) (dy.length() / hd), hd, adjacent, true, dy.dataType());
        out.finish();
    }

    /** hd, the even length of the last axis. */
    private static int headDim(INDArray x) {
        int hd = (int) x.size(-1);
        if (hd % 2 != 0) {
            throw new IllegalArgumentException("RoPE rotates pairs: the last axis must be even, got "
                    + x.shapeInfoToString());
        }
        return hd;
    }

    /**
     * {@link #rope} ({@code backward} false) or {@link #ropeBackward} ({@code backward} true, x holding dy) on
     * {@code rows × hd} elements. Per pair {@code (a, b)}: forward {@code y_a = x_a c_a − x_b s_a},
     * {@code y_b = x_b c_b + x_a s_b}; backward {@code dx_a = dy_a c_a + dy_b s_b}, {@code dx_b = dy_b c_b − dy_a s_a}.
     */
    abstract void rope(ByteBuffer x, ByteBuffer cos, ByteBuffer sin, ByteBuffer y, int rows, int hd, boolean adjacent,
                       boolean backward, DataType type);

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

        /** {@link #buffer()} with every element set to 0 first, for kernels that add into their output. */
        ByteBuffer zeroedBuffer() {
            scratch.assign(0);
            return buffer();
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
