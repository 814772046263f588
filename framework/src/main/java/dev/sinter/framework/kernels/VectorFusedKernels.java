package dev.sinter.framework.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link FusedKernels} on the incubating Vector API in the CPU's widest float lanes, float32 only (float64 goes to
 * {@link ScalarFusedKernels}), in unmasked vector loops (JDK 17 compiles masked loads from buffers poorly); what is
 * left past the last whole vector runs in {@link ScalarFusedKernels}' loops. Softmax terms below e^−60 are exactly 0
 * ({@link VectorMath#expOrZero}), so that no probability or gradient comes out subnormal.
 * Instantiated by name from {@link FusedKernels#best()} only when the module is present.
 */
final class VectorFusedKernels extends FusedKernels {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Lane i takes lane i ^ 1: each adjacent pair swapped. */
    private static final VectorShuffle<Float> PAIR_SWAP = VectorShuffle.fromOp(S, i -> i ^ 1);
    /** −1 in even lanes, +1 in odd: {@code swap(x)_{2i} = −x_{2i+1}}, {@code swap(x)_{2i+1} = x_{2i}}. */
    private static final FloatVector PAIR_SIGN = FloatVector.fromArray(S, pairSigns(), 0);
    private final ScalarFusedKernels scalar = new ScalarFusedKernels();

    @Override
    public String describe() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    void swiGlu(ByteBuffer g, ByteBuffer u, ByteBuffer out, int n, DataType type) {
        int bound = type == DataType.FLOAT ? S.loopBound(n) : 0;
        for (int i = 0; i < bound; i += L) {
            int at = 4 * i;
            FloatVector x = FloatVector.fromByteBuffer(S, g, at, ORDER);
            FloatVector up = FloatVector.fromByteBuffer(S, u, at, ORDER);
            x.mul(VectorMath.sigmoid(x)).mul(up).intoByteBuffer(out, at, ORDER);
        }
        if (bound < n) { // the rest (or float64) in plain loops
            int from = bound * type.width();
            scalar.swiGlu(tail(g, from), tail(u, from), tail(out, from), n - bound, type);
        }
    }

    @Override
    void swiGluBackward(ByteBuffer g, ByteBuffer u, ByteBuffer dOut, ByteBuffer dg, ByteBuffer du, int n,
                        DataType type) {
        int bound = type == DataType.FLOAT ? S.loopBound(n) : 0;
        for (int i = 0; i < bound; i += L) {
            int at = 4 * i;
            FloatVector x = FloatVector.fromByteBuffer(S, g, at, ORDER);
            FloatVector d = FloatVector.fromByteBuffer(S, dOut, at, ORDER);
            FloatVector s = VectorMath.sigmoid(x);
            d.mul(x).mul(s).intoByteBuffer(du, at, ORDER);
            FloatVector slope = x.mul(s.neg().add(1f)).add(1f).mul(s); // σ(g)·(1 + g·(1 − σ(g)))
            d.mul(FloatVector.fromByteBuffer(S, u, at, ORDER)).mul(slope).intoByteBuffer(dg, at, ORDER);
        }
        if (bound < n) {
            int from = bound * type.width();
            scalar.swiGluBackward(tail(g, from), tail(u, from), tail(dOut, from), tail(dg, from), tail(du, from),
                    n - bound, type);
        }
    }

    @Override
    void scatterAddRows(ByteBuffer dy, int[] idx, ByteBuffer table, int width, DataType type) {
        if (type != DataType.FLOAT) {
            scalar.scatterAddRows(dy, idx, table, width, type);
            return;
        }
        int bound = S.loopBound(width);
        for (int m = 0; m < idx.length; m++) {
            addScaledRow(dy, 4 * m * width, 1f, table, 4 * idx[m] * width, bound);
            for (int j = bound; j < width; j++) { // past the last whole vector
                int src = 4 * (m * width + j), dst = 4 * (idx[m] * width + j);
                table.putFloat(dst, table.getFloat(dst) + dy.getFloat(src));
            }
        }
    }

    @Override
    void scaledGather(ByteBuffer table, int[] idx, ByteBuffer scale, ByteBuffer out, int width, DataType type) {
        if (type != DataType.FLOAT) {
            scalar.scaledGather(table, idx, scale, out, width, type);
            return;
        }
        int bound = S.loopBound(width);
        for (int m = 0; m < idx.length; m++) {
            int src = 4 * idx[m] * width, dst = 4 * m * width;
            float k = scale.getFloat(4 * m);
            scaleRowInto(table, src, k, out, dst, bound);
            for (int j = bound; j < width; j++) {
                out.putFloat(dst + 4 * j, k * table.getFloat(src + 4 * j));
            }
        }
    }

    @Override
    void scaledGatherBackward(ByteBuffer table, int[] idx, ByteBuffer scale, ByteBuffer dOut, ByteBuffer dTable,
                              ByteBuffer dScale, int width, DataType type) {
        if (type != DataType.FLOAT) {
            scalar.scaledGatherBackward(table, idx, scale, dOut, dTable, dScale, width, type);
            return;
        }
        int bound = S.loopBound(width);
        for (int m = 0; m < idx.length; m++) {
            int row = 4 * idx[m] * width, at = 4 * m * width;
            float k = scale.getFloat(4 * m);
            float dot = dotRows(dOut, at, table, row, bound);
            addScaledRow(dOut, at, k, dTable, row, bound);
            for (int j = bound; j < width; j++) {
                float g = dOut.getFloat(at + 4 * j);
                dot += g * table.getFloat(row + 4 * j);
                dTable.putFloat(row + 4 * j, dTable.getFloat(row + 4 * j) + k * g);
            }
            dScale.putFloat(4 * m, dot);
        }
    }

    /** {@code to[j] = k · from[j]} for the first n floats (whole vectors) at the byte offsets. */
    private static void scaleRowInto(ByteBuffer from, int src, float k, ByteBuffer to, int dst, int n) {
        for (int j = 0; j < n; j += L) {
            FloatVector.fromByteBuffer(S, from, src + 4 * j, ORDER).mul(k).intoByteBuffer(to, dst + 4 * j, ORDER);
        }
    }

    /** {@code to[j] += k · from[j]} for the first n floats (whole vectors) at the byte offsets. */
    private static void addScaledRow(ByteBuffer from, int src, float k, ByteBuffer to, int dst, int n) {
        FloatVector scale = FloatVector.broadcast(S, k);
        for (int j = 0; j < n; j += L) {
            FloatVector.fromByteBuffer(S, from, src + 4 * j, ORDER)
                    .fma(scale, FloatVector.fromByteBuffer(S, to, dst + 4 * j, ORDER))
                    .intoByteBuffer(to, dst + 4 * j, ORDER);
        }
    }

    /** {@code Σ a[j]·b[j]} over the first n floats (whole vectors) at the byte offsets. */
    private static float dotRows(ByteBuffer a, int at, ByteBuffer b, int bt, int n) {
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < n; j += L) {
            sum = FloatVector.fromByteBuffer(S, a, at + 4 * j, ORDER)
                    .fma(FloatVector.fromByteBuffer(S, b, bt + 4 * j, ORDER), sum);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Whole vectors when the pairs allow it: rotate-half with hd/2 a multiple of the vector width, or adjacent pairs
     * with hd a multiple of it (a lane shuffle swaps each pair); otherwise, and for float64, the plain loops.
     */
    @Override
    void rope(ByteBuffer x, ByteBuffer cos, ByteBuffer sin, ByteBuffer y, int rows, int hd, boolean adjacent,
              boolean backward, DataType type) {
        boolean whole = adjacent ? hd % L == 0 : (hd / 2) % L == 0;
        if (type != DataType.FLOAT || !whole) {
            scalar.rope(x, cos, sin, y, rows, hd, adjacent, backward, type);
            return;
        }
        int n = rows * hd;
        if (adjacent) {
            for (int at = 0; at < 4 * n; at += 4 * L) {
                ropeAdjacent(x, cos, sin, y, at, backward);
            }
        } else {
            int half = hd / 2;
            for (int row = 0; row < 4 * n; row += 4 * hd) {
                for (int j = 0; j < half; j += L) {
                    ropeHalf(x, cos, sin, y, row + 4 * j, row + 4 * (j + half), backward);
                }
            }
        }
    }

    /** One vector of adjacent pairs at byte offset {@code at}: {@code swap(v)} is v with each pair's lanes swapped, signed. */
    private static void ropeAdjacent(ByteBuffer x, ByteBuffer cos, ByteBuffer sin, ByteBuffer y, int at,
                                     boolean backward) {
        FloatVector v = FloatVector.fromByteBuffer(S, x, at, ORDER);
        FloatVector c = FloatVector.fromByteBuffer(S, cos, at, ORDER);
        FloatVector s = FloatVector.fromByteBuffer(S, sin, at, ORDER);
        FloatVector rotated = backward
                ? v.mul(c).sub(v.mul(s).rearrange(PAIR_SWAP).mul(PAIR_SIGN)) // dy ⊙ c − swap(dy ⊙ s)
                : v.mul(c).add(v.rearrange(PAIR_SWAP).mul(PAIR_SIGN).mul(s)); // x ⊙ c + swap(x) ⊙ s
        rotated.intoByteBuffer(y, at, ORDER);
    }

    /** One vector of rotate-half pairs: first halves at byte offset {@code a}, their partners at {@code b}. */
    private static void ropeHalf(ByteBuffer x, ByteBuffer cos, ByteBuffer sin, ByteBuffer y, int a, int b,
                                 boolean backward) {
        FloatVector xa = FloatVector.fromByteBuffer(S, x, a, ORDER);
        FloatVector xb = FloatVector.fromByteBuffer(S, x, b, ORDER);
        FloatVector ca = FloatVector.fromByteBuffer(S, cos, a, ORDER);
        FloatVector cb = FloatVector.fromByteBuffer(S, cos, b, ORDER);
        FloatVector sa = FloatVector.fromByteBuffer(S, sin, a, ORDER);
        FloatVector sb = FloatVector.fromByteBuffer(S, sin, b, ORDER);
        if (backward) {
            xa.mul(ca).add(xb.mul(sb)).intoByteBuffer(y, a, ORDER);
            xb.mul(cb).sub(xa.mul(sa)).intoByteBuffer(y, b, ORDER);
        } else {
            xa.mul(ca).sub(xb.mul(sa)).intoByteBuffer(y, a, ORDER);
            xb.mul(cb).add(xa.mul(sb)).intoByteBuffer(y, b, ORDER);
        }
    }

    /** Whole vectors of each row here, the rest of the row in plain loops; float64 in {@link ScalarFusedKernels}. */
    @Override
    void biasedSoftmax(ByteBuffer s, ByteBuffer b, ByteBuffer y, int rows, int c, DataType type) {
        if (type != DataType.FLOAT) {
            scalar.biasedSoftmax(s, b, y, rows, c, type);
            return;
        }
        for (int n = 0; n < rows; n++) { // each pass its own small method, so that C2 inlines every vector op
            int at = 4 * n * c;
            float max = biasedRowMax(s, b, at, c);
            scaleRow(y, at, c, 1f / biasedExpRow(s, b, y, at, c, max));
        }
    }

    /** The largest {@code s + b} over the c floats at byte offset {@code at}. */
    private static float biasedRowMax(ByteBuffer s, ByteBuffer b, int at, int c) {
        int bound = S.loopBound(c);
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < bound; j += L) {
            mv = mv.max(logits(s, b, at + 4 * j));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (int j = bound; j < c; j++) {
            max = Math.max(max, s.getFloat(at + 4 * j) + b.getFloat(at + 4 * j));
        }
        return max;
    }

    /** Writes {@code e^{s + b − max}} to y over the c floats at byte offset {@code at}; returns their sum. */
    private static float biasedExpRow(ByteBuffer s, ByteBuffer b, ByteBuffer y, int at, int c, float max) {
        int bound = S.loopBound(c);
        FloatVector sv = FloatVector.zero(S);
        for (int j = 0; j < bound; j += L) {
            FloatVector e = VectorMath.expOrZero(logits(s, b, at + 4 * j).sub(max));
            e.intoByteBuffer(y, at + 4 * j, ORDER);
            sv = sv.add(e);
        }
        float sum = sv.reduceLanes(VectorOperators.ADD);
        for (int j = bound; j < c; j++) {
            float e = (float) Math.exp(s.getFloat(at + 4 * j) + b.getFloat(at + 4 * j) - max);
            y.putFloat(at + 4 * j, e);
            sum += e;
        }
        return sum;
    }

    /** Multiplies the c floats of y at byte offset {@code at} by {@code k}. */
    private static void scaleRow(ByteBuffer y, int at, int c, float k) {
        int bound = S.loopBound(c);
        for (int j = 0; j < bound; j += L) {
            FloatVector.fromByteBuffer(S, y, at + 4 * j, ORDER).mul(k).intoByteBuffer(y, at + 4 * j, ORDER);
        }
        for (int j = bound; j < c; j++) {
            y.putFloat(at + 4 * j, y.getFloat(at + 4 * j) * k);
        }
    }

    @Override
    void crossEntropy(ByteBuffer logits, int[] labels, ByteBuffer nll, int v, DataType type) {
        if (type != DataType.FLOAT) {
            scalar.crossEntropy(logits, labels, nll, v, type);
            return;
        }
        for (int n = 0; n < labels.length; n++) {
            int at = 4 * n * v;
            boolean counted = labels[n] >= 0 && labels[n] < v;
            float max = rowMax(logits, at, v);
            float sum = expSum(logits, at, v, max, null);
            nll.putFloat(4 * n, counted ? max + (float) Math.log(sum) - logits.getFloat(at + 4 * labels[n]) : 0f);
        }
    }

    @Override
    void crossEntropyBackward(ByteBuffer logits, int[] labels, ByteBuffer dNll, ByteBuffer dLogits, int v,
                              DataType type) {
        if (type != DataType.FLOAT) {
            scalar.crossEntropyBackward(logits, labels, dNll, dLogits, v, type);
            return;
        }
        for (int n = 0; n < labels.length; n++) {
            int at = 4 * n * v;
            boolean counted = labels[n] >= 0 && labels[n] < v;
            float max = rowMax(logits, at, v);
            float scale = (counted ? dNll.getFloat(4 * n) : 0f) / expSum(logits, at, v, max, dLogits); // g / Σ e
            scaleRow(dLogits, at, v, scale);
            if (counted) {
                int l = at + 4 * labels[n];
                dLogits.putFloat(l, dLogits.getFloat(l) - dNll.getFloat(4 * n));
            }
        }
    }

    /** The largest of the v floats at byte offset {@code at}. */
    private static float rowMax(ByteBuffer z, int at, int v) {
        int bound = S.loopBound(v);
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < bound; j += L) {
            mv = mv.max(FloatVector.fromByteBuffer(S, z, at + 4 * j, ORDER));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (int j = bound; j < v; j++) {
            max = Math.max(max, z.getFloat(at + 4 * j));
        }
        return max;
    }

    /** {@code Σ_j e^{z[j] − max}} over the v floats at byte offset {@code at}, each term also written to
     * {@code out} at the same offset unless {@code out} is null. */
    private static float expSum(ByteBuffer z, int at, int v, float max, ByteBuffer out) {
        int bound = S.loopBound(v);
        FloatVector sv = FloatVector.zero(S);
        for (int j = 0; j < bound; j += L) {
            FloatVector e = VectorMath.expOrZero(FloatVector.fromByteBuffer(S, z, at + 4 * j, ORDER).sub(max));
            if (out != null) {
                e.intoByteBuffer(out, at + 4 * j, ORDER);
            }
            sv = sv.add(e);
        }
        float sum = sv.reduceLanes(VectorOperators.ADD);
        for (int j = bound; j < v; j++) {
            float e = (float) Math.exp(z.getFloat(at + 4 * j) - max);
            if (out != null) {
                out.putFloat(at + 4 * j, e);
            }
            sum += e;
        }
        return sum;
    }

    /** {@code s + b} of one vector at byte offset {@code at}. */
    private static FloatVector logits(ByteBuffer s, ByteBuffer b, int at) {
        return FloatVector.fromByteBuffer(S, s, at, ORDER).add(FloatVector.fromByteBuffer(S, b, at, ORDER));
    }

    @Override
    void softmaxBackward(ByteBuffer y, ByteBuffer dy, ByteBuffer ds, int rows, int c, DataType type) {
        if (type != DataType.FLOAT) {
            scalar.softmaxBackward(y, dy, ds, rows, c, type);
            return;
        }
        for (int n = 0; n < rows; n++) {
            int at = 4 * n * c;
            softmaxGradientRow(y, dy, ds, at, c, dot(y, dy, at, c));
        }
    }

    /** {@code Σ y ⊙ dy} over the c floats at byte offset {@code at}. */
    private static float dot(ByteBuffer y, ByteBuffer dy, int at, int c) {
        int bound = S.loopBound(c);
        FloatVector dv = FloatVector.zero(S);
        for (int j = 0; j < bound; j += L) {
            dv = FloatVector.fromByteBuffer(S, y, at + 4 * j, ORDER)
                    .fma(FloatVector.fromByteBuffer(S, dy, at + 4 * j, ORDER), dv);
        }
        float dot = dv.reduceLanes(VectorOperators.ADD);
        for (int j = bound; j < c; j++) {
            dot += y.getFloat(at + 4 * j) * dy.getFloat(at + 4 * j);
        }
        return dot;
    }

    /** {@code ds = y ⊙ (dy − dot)} over the c floats at byte offset {@code at}. */
    private static void softmaxGradientRow(ByteBuffer y, ByteBuffer dy, ByteBuffer ds, int at, int c, float dot) {
        int bound = S.loopBound(c);
        for (int j = 0; j < bound; j += L) {
            FloatVector yv = FloatVector.fromByteBuffer(S, y, at + 4 * j, ORDER);
            yv.mul(FloatVector.fromByteBuffer(S, dy, at + 4 * j, ORDER).sub(dot)).intoByteBuffer(ds, at + 4 * j, ORDER);
        }
        for (int j = bound; j < c; j++) {
            ds.putFloat(at + 4 * j, y.getFloat(at + 4 * j) * (dy.getFloat(at + 4 * j) - dot));
        }
    }

    /** Rows whose width is a whole number of vectors run here, others (and float64) in plain loops. */
    @Override
    void rmsNorm(ByteBuffer x, ByteBuffer w, double eps, ByteBuffer y, int rows, int d, DataType type) {
        if (type != DataType.FLOAT || d % L != 0) {
            scalar.rmsNorm(x, w, eps, y, rows, d, type);
            return;
        }
        for (int n = 0; n < rows; n++) {
            int at = 4 * n * d;
            float r = inverseRms(x, at, d, eps);
            for (int j = 0; j < d; j += L) {
                FloatVector.fromByteBuffer(S, x, at + 4 * j, ORDER).mul(r)
                        .mul(FloatVector.fromByteBuffer(S, w, 4 * j, ORDER)).intoByteBuffer(y, at + 4 * j, ORDER);
            }
        }
    }

    @Override
    void rmsNormBackward(ByteBuffer x, ByteBuffer w, ByteBuffer dy, double eps, ByteBuffer dx, ByteBuffer dw, int rows,
                         int d, DataType type) {
        if (type != DataType.FLOAT || d % L != 0) {
            scalar.rmsNormBackward(x, w, dy, eps, dx, dw, rows, d, type);
            return;
        }
        float[] dwSum = new float[d];
        for (int n = 0; n < rows; n++) {
            int at = 4 * n * d;
            float r = inverseRms(x, at, d, eps);
            FloatVector s = FloatVector.zero(S);
            for (int j = 0; j < d; j += L) {
                FloatVector wdy = FloatVector.fromByteBuffer(S, w, 4 * j, ORDER)
                        .mul(FloatVector.fromByteBuffer(S, dy, at + 4 * j, ORDER));
                s = wdy.fma(FloatVector.fromByteBuffer(S, x, at + 4 * j, ORDER), s);
            }
            float c = r * r * r * s.reduceLanes(VectorOperators.ADD) / d;
            for (int j = 0; j < d; j += L) {
                FloatVector xv = FloatVector.fromByteBuffer(S, x, at + 4 * j, ORDER);
                FloatVector dyv = FloatVector.fromByteBuffer(S, dy, at + 4 * j, ORDER);
                FloatVector.fromByteBuffer(S, w, 4 * j, ORDER).mul(dyv).mul(r).sub(xv.mul(c))
                        .intoByteBuffer(dx, at + 4 * j, ORDER);
                dyv.mul(xv).mul(r).add(FloatVector.fromArray(S, dwSum, j)).intoArray(dwSum, j);
            }
        }
        for (int j = 0; j < d; j += L) {
            FloatVector.fromArray(S, dwSum, j).intoByteBuffer(dw, 4 * j, ORDER);
        }
    }

    /** {@code 1 / √(mean(x²) + eps)} over the d floats at byte offset {@code at} (d a whole number of vectors). */
    private static float inverseRms(ByteBuffer x, int at, int d, double eps) {
        FloatVector ss = FloatVector.zero(S);
        for (int j = 0; j < d; j += L) {
            FloatVector v = FloatVector.fromByteBuffer(S, x, at + 4 * j, ORDER);
            ss = v.fma(v, ss);
        }
        return (float) (1 / Math.sqrt(ss.reduceLanes(VectorOperators.ADD) / d + eps));
    }

    private static float[] pairSigns() {
        float[] signs = new float[L];
        for (int i = 0; i < L; i++) {
            signs[i] = i % 2 == 0 ? -1f : 1f;
        }
        return signs;
    }

    /** The buffer from byte {@code from} on, in native order. */
    private static ByteBuffer tail(ByteBuffer b, int from) {
        return b.slice(from, b.capacity() - from).order(ORDER);
    }
}
