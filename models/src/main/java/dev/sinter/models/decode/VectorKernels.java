package dev.sinter.models.decode;

import dev.sinter.framework.kernels.VectorMath;
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
    /** Lanes [L/2, L): selects the second of two positions packed in one vector (head size L/2). */
    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(S, ((1L << L) - 1) & -(1L << (L / 2)));

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
        for (; b + 3 < blocks; b += 4) { // four blocks, even and odd columns: eight independent FMA chains
            int at = b * stride;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2 = a0;
            FloatVector b3 = a0;
            int c = 0;
            for (; c + 1 < cols; c += 2, at += 2 * L) {
                FloatVector xe = FloatVector.broadcast(S, x[xo + c]);
                FloatVector xd = FloatVector.broadcast(S, x[xo + c + 1]);
                a0 = FloatVector.fromArray(S, packed, at).fma(xe, a0);
                a1 = FloatVector.fromArray(S, packed, at + stride).fma(xe, a1);
                a2 = FloatVector.fromArray(S, packed, at + 2 * stride).fma(xe, a2);
                a3 = FloatVector.fromArray(S, packed, at + 3 * stride).fma(xe, a3);
                b0 = FloatVector.fromArray(S, packed, at + L).fma(xd, b0);
                b1 = FloatVector.fromArray(S, packed, at + L + stride).fma(xd, b1);
                b2 = FloatVector.fromArray(S, packed, at + L + 2 * stride).fma(xd, b2);
                b3 = FloatVector.fromArray(S, packed, at + L + 3 * stride).fma(xd, b3);
            }
            if (c < cols) {
                FloatVector xe = FloatVector.broadcast(S, x[xo + c]);
                a0 = FloatVector.fromArray(S, packed, at).fma(xe, a0);
                a1 = FloatVector.fromArray(S, packed, at + stride).fma(xe, a1);
                a2 = FloatVector.fromArray(S, packed, at + 2 * stride).fma(xe, a2);
                a3 = FloatVector.fromArray(S, packed, at + 3 * stride).fma(xe, a3);
            }
            // store sums, not the loop's accumulators: JDK 17's C2 cannot intrinsify a store of a loop phi and
            // would box every vector of the loop
            a0.add(b0).intoArray(y, yo + b * L);
            a1.add(b1).intoArray(y, yo + (b + 1) * L);
            a2.add(b2).intoArray(y, yo + (b + 2) * L);
            a3.add(b3).intoArray(y, yo + (b + 3) * L);
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
            a0.add(a1).intoArray(y, yo + b * L);
        }
    }

    /**
     * Four vectors at a time share each load of the weights, two blocks of L rows at a time share each load of x (the
     * same even/odd column chains as {@link #matVec}, so each row of y equals matVec's: 16 independent FMA chains);
     * blocks are the outer loop, so a pair of blocks stays in cache while every group of four vectors passes over it
     * and the weights come from memory once per call. A last odd block runs four vectors alone; the last m mod 4
     * vectors go one by one.
     */
    @Override
    void matMat(float[] packed, int rows, int cols, float[] x, int xStride, int m, float[] y, int yStride) {
        int blocks = (rows + L - 1) / L;
        int grouped = m / 4 * 4;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            for (int j = 0; j < grouped; j += 4) {
                twoBlocksFourVectors(packed, b, cols, x, j * xStride, xStride, y, j * yStride + b * L, yStride);
            }
        }
        if (b < blocks) {
            for (int j = 0; j < grouped; j += 4) {
                oneBlockFourVectors(packed, b, cols, x, j * xStride, xStride, y, j * yStride + b * L, yStride);
            }
        }
        for (int j = grouped; j < m; j++) {
            matVec(packed, rows, cols, x, j * xStride, y, j * yStride);
        }
    }

    /** Rows of blocks b and b+1 for the four vectors at x0, x0 + xStride, …; results at y0, y0 + yStride, …. */
    private static void twoBlocksFourVectors(float[] packed, int b, int cols, float[] x, int x0, int xStride,
                                             float[] y, int y0, int yStride) {
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        int at = b * cols * L;
        int next = cols * L; // block b+1
        FloatVector a0 = FloatVector.zero(S); // block b, even columns, vectors 0..3
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0; // block b, odd columns
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        FloatVector c0 = a0; // block b+1, even columns
        FloatVector c1 = a0;
        FloatVector c2 = a0;
        FloatVector c3 = a0;
        FloatVector d0 = a0; // block b+1, odd columns
        FloatVector d1 = a0;
        FloatVector d2 = a0;
        FloatVector d3 = a0;
        int c = 0;
        for (; c + 1 < cols; c += 2, at += 2 * L) {
            FloatVector we = FloatVector.fromArray(S, packed, at);
            FloatVector wd = FloatVector.fromArray(S, packed, at + L);
            FloatVector ve = FloatVector.fromArray(S, packed, at + next);
            FloatVector vd = FloatVector.fromArray(S, packed, at + next + L);
            FloatVector x0e = FloatVector.broadcast(S, x[x0 + c]);
            FloatVector x1e = FloatVector.broadcast(S, x[x1 + c]);
            FloatVector x2e = FloatVector.broadcast(S, x[x2 + c]);
            FloatVector x3e = FloatVector.broadcast(S, x[x3 + c]);
            a0 = we.fma(x0e, a0);
            a1 = we.fma(x1e, a1);
            a2 = we.fma(x2e, a2);
            a3 = we.fma(x3e, a3);
            c0 = ve.fma(x0e, c0);
            c1 = ve.fma(x1e, c1);
            c2 = ve.fma(x2e, c2);
            c3 = ve.fma(x3e, c3);
            FloatVector x0d = FloatVector.broadcast(S, x[x0 + c + 1]);
            FloatVector x1d = FloatVector.broadcast(S, x[x1 + c + 1]);
            FloatVector x2d = FloatVector.broadcast(S, x[x2 + c + 1]);
            FloatVector x3d = FloatVector.broadcast(S, x[x3 + c + 1]);
            b0 = wd.fma(x0d, b0);
            b1 = wd.fma(x1d, b1);
            b2 = wd.fma(x2d, b2);
            b3 = wd.fma(x3d, b3);
            d0 = vd.fma(x0d, d0);
            d1 = vd.fma(x1d, d1);
            d2 = vd.fma(x2d, d2);
            d3 = vd.fma(x3d, d3);
        }
        if (c < cols) {
            FloatVector we = FloatVector.fromArray(S, packed, at);
            FloatVector ve = FloatVector.fromArray(S, packed, at + next);
            FloatVector x0e = FloatVector.broadcast(S, x[x0 + c]);
            FloatVector x1e = FloatVector.broadcast(S, x[x1 + c]);
            FloatVector x2e = FloatVector.broadcast(S, x[x2 + c]);
            FloatVector x3e = FloatVector.broadcast(S, x[x3 + c]);
            a0 = we.fma(x0e, a0);
            a1 = we.fma(x1e, a1);
            a2 = we.fma(x2e, a2);
            a3 = we.fma(x3e, a3);
            c0 = ve.fma(x0e, c0);
            c1 = ve.fma(x1e, c1);
            c2 = ve.fma(x2e, c2);
            c3 = ve.fma(x3e, c3);
        }
        a0.add(b0).intoArray(y, y0);
        a1.add(b1).intoArray(y, y0 + yStride);
        a2.add(b2).intoArray(y, y0 + 2 * yStride);
        a3.add(b3).intoArray(y, y0 + 3 * yStride);
        c0.add(d0).intoArray(y, y0 + L);
        c1.add(d1).intoArray(y, y0 + L + yStride);
        c2.add(d2).intoArray(y, y0 + L + 2 * yStride);
        c3.add(d3).intoArray(y, y0 + L + 3 * yStride);
    }

    /** Rows of block b for the four vectors at x0, x0 + xStride, …; results at y0, y0 + yStride, …. */
    private static void oneBlockFourVectors(float[] packed, int b, int cols, float[] x, int x0, int xStride,
                                            float[] y, int y0, int yStride) {
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        int at = b * cols * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        int c = 0;
        for (; c + 1 < cols; c += 2, at += 2 * L) {
            FloatVector we = FloatVector.fromArray(S, packed, at);
            FloatVector wd = FloatVector.fromArray(S, packed, at + L);
            a0 = we.fma(FloatVector.broadcast(S, x[x0 + c]), a0);
            a1 = we.fma(FloatVector.broadcast(S, x[x1 + c]), a1);
            a2 = we.fma(FloatVector.broadcast(S, x[x2 + c]), a2);
            a3 = we.fma(FloatVector.broadcast(S, x[x3 + c]), a3);
            b0 = wd.fma(FloatVector.broadcast(S, x[x0 + c + 1]), b0);
            b1 = wd.fma(FloatVector.broadcast(S, x[x1 + c + 1]), b1);
            b2 = wd.fma(FloatVector.broadcast(S, x[x2 + c + 1]), b2);
            b3 = wd.fma(FloatVector.broadcast(S, x[x3 + c + 1]), b3);
        }
        if (c < cols) {
            FloatVector we = FloatVector.fromArray(S, packed, at);
            a0 = we.fma(FloatVector.broadcast(S, x[x0 + c]), a0);
            a1 = we.fma(FloatVector.broadcast(S, x[x1 + c]), a1);
            a2 = we.fma(FloatVector.broadcast(S, x[x2 + c]), a2);
            a3 = we.fma(FloatVector.broadcast(S, x[x3 + c]), a3);
        }
        a0.add(b0).intoArray(y, y0);
        a1.add(b1).intoArray(y, y0 + yStride);
        a2.add(b2).intoArray(y, y0 + 2 * yStride);
        a3.add(b3).intoArray(y, y0 + 3 * yStride);
    }

    @Override
    int padded(int n) {
        return (n + L - 1) / L * L;
    }

    /** Whole vectors of positions up to padded(n): no scalar remainder striding across the key rows. */
    @Override
    void scores(float[] q, int qo, int heads, int hd, float scale, float[] keys, int ko, int stride, int n,
                float[] out, int outStride) {
        for (int j0 = 0; j0 < heads; j0 += 4) { // up to four query heads per pass over the keys
            int m = Math.min(4, heads - j0);
            int q0 = qo + j0 * hd;
            for (int s = 0; s < n; s += L) {
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
        }
    }

    /**
     * Whole vectors along the head's channels, each FMA'd with the broadcast weight of one position; four positions
     * in flight. A head size of L/2 (8 with AVX-512) packs two positions per vector; other head sizes that are not a
     * multiple of L run scalar code. (One vector species only: a second one would make the JDK's shared vector
     * methods polymorphic, and C2 then fails to intrinsify their stores.)
     */
    @Override
    void weightedSum(float[] p, int po, int n, float[] vals, int vo, int hd, float[] out, int oo) {
        if (hd % L == 0) {
            for (int c = 0; c < hd; c += L) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                int s = 0;
                for (; s + 3 < n; s += 4) {
                    int v = vo + s * hd + c;
                    a0 = FloatVector.fromArray(S, vals, v).fma(FloatVector.broadcast(S, p[po + s]), a0);
                    a1 = FloatVector.fromArray(S, vals, v + hd).fma(FloatVector.broadcast(S, p[po + s + 1]), a1);
                    a2 = FloatVector.fromArray(S, vals, v + 2 * hd).fma(FloatVector.broadcast(S, p[po + s + 2]), a2);
                    a3 = FloatVector.fromArray(S, vals, v + 3 * hd).fma(FloatVector.broadcast(S, p[po + s + 3]), a3);
                }
                for (; s < n; s++) {
                    a0 = FloatVector.fromArray(S, vals, vo + s * hd + c).fma(FloatVector.broadcast(S, p[po + s]), a0);
                }
                a0.add(a1).add(a2.add(a3)).intoArray(out, oo + c);
            }
        } else if (2 * hd == L) { // two positions per vector: lanes [0, hd) hold position s, [hd, L) position s+1
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            int s = 0;
            for (; s + 7 < n; s += 8) {
                int v = vo + s * hd;
                a0 = FloatVector.fromArray(S, vals, v).fma(pair(p, po + s), a0);
                a1 = FloatVector.fromArray(S, vals, v + L).fma(pair(p, po + s + 2), a1);
                a2 = FloatVector.fromArray(S, vals, v + 2 * L).fma(pair(p, po + s + 4), a2);
                a3 = FloatVector.fromArray(S, vals, v + 3 * L).fma(pair(p, po + s + 6), a3);
            }
            for (; s + 1 < n; s += 2) {
                a0 = FloatVector.fromArray(S, vals, vo + s * hd).fma(pair(p, po + s), a0);
            }
            a0.add(a1).add(a2.add(a3)).intoArray(out, oo); // [even positions' sums, odd positions' sums]
            for (int i = 0; i < hd; i++) {
                out[oo + i] += out[oo + hd + i];
            }
            if (s < n) { // an odd count: the last position alone
                for (int i = 0; i < hd; i++) {
                    out[oo + i] += p[po + s] * vals[vo + s * hd + i];
                }
            }
        } else {
            java.util.Arrays.fill(out, oo, oo + hd, 0f);
            for (int s = 0; s < n; s++) {
                float ps = p[po + s];
                for (int i = 0; i < hd; i++) {
                    out[oo + i] += ps * vals[vo + s * hd + i];
                }
            }
        }
    }

    /** {@code [p[at] × L/2, p[at + 1] × L/2]}. */
    private static FloatVector pair(float[] p, int at) {
        return FloatVector.broadcast(S, p[at]).blend(FloatVector.broadcast(S, p[at + 1]), UPPER_HALF);
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

    /** Two accumulators, combined before the reduction (as in {@link #matVec}, never a loop phi into an intrinsic). */
    @Override
    float max(float[] x, int xo, int n) {
        int bound = S.loopBound(n);
        FloatVector m0 = FloatVector.broadcast(S, x[xo]);
        FloatVector m1 = m0;
        int i = 0;
        for (; i + L < bound; i += 2 * L) {
            m0 = m0.max(FloatVector.fromArray(S, x, xo + i));
            m1 = m1.max(FloatVector.fromArray(S, x, xo + i + L));
        }
        if (i < bound) {
            m0 = m0.max(FloatVector.fromArray(S, x, xo + i));
            i += L;
        }
        float m = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[xo + i]);
        }
        return m;
    }

    @Override
    float expShifted(float[] x, int xo, int n, float shift) {
        int bound = S.loopBound(n);
        FloatVector sv = FloatVector.broadcast(S, shift);
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        int i = 0;
        for (; i + L < bound; i += 2 * L) {
            FloatVector e0 = VectorMath.exp(FloatVector.fromArray(S, x, xo + i).sub(sv));
            FloatVector e1 = VectorMath.exp(FloatVector.fromArray(S, x, xo + i + L).sub(sv));
            e0.intoArray(x, xo + i);
            e1.intoArray(x, xo + i + L);
            s0 = s0.add(e0);
            s1 = s1.add(e1);
        }
        if (i < bound) {
            FloatVector e0 = VectorMath.exp(FloatVector.fromArray(S, x, xo + i).sub(sv));
            e0.intoArray(x, xo + i);
            s0 = s0.add(e0);
            i += L;
        }
        float sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - shift);
            x[xo + i] = e;
            sum += e;
        }
        return sum;
    }

    @Override
    void swiglu(float[] a, int ao, int n) {
        int bound = ao + S.loopBound(n);
        int j = ao;
        for (; j < bound; j += L) {
            FloatVector g = FloatVector.fromArray(S, a, j);
            FloatVector sig = VectorMath.sigmoid(g);
            g.mul(sig).mul(FloatVector.fromArray(S, a, n + j)).intoArray(a, j);
        }
        for (; j < ao + n; j++) {
            float g = a[j];
            a[j] = g * (1f / (1f + (float) Math.exp(-g))) * a[n + j];
        }
    }
}
