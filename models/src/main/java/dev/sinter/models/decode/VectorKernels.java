package dev.sinter.models.decode;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the incubating Vector API (JDK 17: {@code --add-modules jdk.incubator.vector}) in the CPU's widest float
 * lanes (L = 16 with AVX-512, 8 with AVX2). Instantiated by name from {@link Kernels#best()} only when the module is
 * present.
 *
 * <p>Matrices are packed in blocks of L rows, column by column: {@code packed[(b·cols + c)·L + r] = W[b·L + r, c]}
 * (rows padded with zeros to a multiple of L). A matrix-vector product then streams the weights once, in order, as
 * {@code y[block] += W[block, c] · x[c]} with whole-vector FMAs into register accumulators: no horizontal reductions,
 * which would cost as much as the FMAs at the small widths of decoder models.
 */
final class VectorKernels extends Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    @Override
    String describe() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    float[] pack(float[] w, int rows, int cols) {
        int blocks = (rows + L - 1) / L;
        float[] p = new float[blocks * cols * L];
        for (int r = 0; r < rows; r++) {
            int base = (r / L) * cols * L + r % L;
            for (int c = 0; c < cols; c++) {
                p[base + c * L] = w[r * cols + c];
            }
        }
        return p;
    }

    @Override
    void matVec(float[] packed, int rows, int cols, float[] x, int xo, float[] y, int yo) {
        int blocks = (rows + L - 1) / L;
        int stride = cols * L; // one block of L rows
        int b = 0;
        for (; b + 3 < blocks; b += 4) { // four blocks: four independent FMA chains share each x[c]
            int at = b * stride;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int c = 0; c < cols; c++, at += L) {
                FloatVector xc = FloatVector.broadcast(S, x[xo + c]);
                a0 = FloatVector.fromArray(S, packed, at).fma(xc, a0);
                a1 = FloatVector.fromArray(S, packed, at + stride).fma(xc, a1);
                a2 = FloatVector.fromArray(S, packed, at + 2 * stride).fma(xc, a2);
                a3 = FloatVector.fromArray(S, packed, at + 3 * stride).fma(xc, a3);
            }
            store(a0, y, yo, b * L, rows);
            store(a1, y, yo, (b + 1) * L, rows);
            store(a2, y, yo, (b + 2) * L, rows);
            store(a3, y, yo, (b + 3) * L, rows);
        }
        for (; b < blocks; b++) { // one block: even and odd columns in two chains
            int at = b * stride;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            int c = 0;
            for (; c + 1 < cols; c += 2, at += 2 * L) {
                a0 = FloatVector.fromArray(S, packed, at).fma(FloatVector.broadcast(S, x[xo + c]), a0);
                a1 = FloatVector.fromArray(S, packed, at + L).fma(FloatVector.broadcast(S, x[xo + c + 1]), a1);
            }
            if (c < cols) {
                a0 = FloatVector.fromArray(S, packed, at).fma(FloatVector.broadcast(S, x[xo + c]), a0);
            }
            store(a0.add(a1), y, yo, b * L, rows);
        }
    }

    /** Rows {@code [row, row + L)} of a product into {@code y[yo + row …]}, cut at {@code rows}. */
    private static void store(FloatVector v, float[] y, int yo, int row, int rows) {
        if (row + L <= rows) {
            v.intoArray(y, yo + row);
        } else {
            v.intoArray(y, yo + row, VectorMask.fromLong(S, (1L << (rows - row)) - 1));
        }
    }

    @Override
    void scores(float[] q, int qo, int heads, int hd, float scale, float[] keys, int ko, int stride, int n,
                float[] out, int outStride) {
        int bound = S.loopBound(n);
        for (int j0 = 0; j0 < heads; j0 += 4) { // up to four query heads per pass over the keys
            int m = Math.min(4, heads - j0);
            int q0 = qo + j0 * hd;
            int s = 0;
            for (; s < bound; s += L) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int i = 0; i < hd; i++) {
                    FloatVector kv = FloatVector.fromArray(S, keys, ko + i * stride + s);
                    a0 = kv.fma(FloatVector.broadcast(S, q[q0 + i]), a0);
                    if (m > 1) {
                        a1 = kv.fma(FloatVector.broadcast(S, q[q0 + hd + i]), a1);
                    }
                    if (m > 2) {
                        a2 = kv.fma(FloatVector.broadcast(S, q[q0 + 2 * hd + i]), a2);
                    }
                    if (m > 3) {
                        a3 = kv.fma(FloatVector.broadcast(S, q[q0 + 3 * hd + i]), a3);
                    }
                }
                int o = j0 * outStride + s;
                a0.mul(scale).intoArray(out, o);
                if (m > 1) {
                    a1.mul(scale).intoArray(out, o + outStride);
                }
                if (m > 2) {
                    a2.mul(scale).intoArray(out, o + 2 * outStride);
                }
                if (m > 3) {
                    a3.mul(scale).intoArray(out, o + 3 * outStride);
                }
            }
            for (; s < n; s++) {
                for (int j = 0; j < m; j++) {
                    float acc = 0;
                    for (int i = 0; i < hd; i++) {
                        acc += q[q0 + j * hd + i] * keys[ko + i * stride + s];
                    }
                    out[(j0 + j) * outStride + s] = acc * scale;
                }
            }
        }
    }

    @Override
    float dot(float[] a, int ao, float[] b, int bo, int n) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += L) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    @Override
    void axpy(float alpha, float[] x, int xo, float[] y, int n) {
        int bound = S.loopBound(n);
        FloatVector av = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(av, FloatVector.fromArray(S, y, i)).intoArray(y, i);
        }
        for (; i < n; i++) {
            y[i] += alpha * x[xo + i];
        }
    }

    @Override
    float max(float[] x, int xo, int n) {
        int bound = S.loopBound(n);
        float m = x[xo];
        int i = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.fromArray(S, x, xo);
            for (i = L; i < bound; i += L) {
                acc = acc.max(FloatVector.fromArray(S, x, xo + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, x[xo + i]);
        }
        return m;
    }

    @Override
    float expShifted(float[] x, int xo, int n, float shift) {
        int bound = S.loopBound(n);
        FloatVector sv = FloatVector.broadcast(S, shift);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, xo + i).sub(sv).lanewise(VectorOperators.EXP);
            e.intoArray(x, xo + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - shift);
            x[xo + i] = e;
            sum += e;
        }
        return sum;
    }

    @Override
    void swiglu(float[] a, int n) {
        int bound = S.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector g = FloatVector.fromArray(S, a, j);
            FloatVector sig = ONE.div(g.neg().lanewise(VectorOperators.EXP).add(1f)); // σ(g) = 1 / (1 + e^−g)
            g.mul(sig).mul(FloatVector.fromArray(S, a, n + j)).intoArray(a, j);
        }
        for (; j < n; j++) {
            float g = a[j];
            a[j] = g * (1f / (1f + (float) Math.exp(-g))) * a[n + j];
        }
    }
}
