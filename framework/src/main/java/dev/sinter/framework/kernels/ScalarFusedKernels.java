package dev.sinter.framework.kernels;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link FusedKernels} in plain Java loops, in double precision: the float64 path, and the float32 elements the vector
 * kernels leave past their last whole vector.
 */
final class ScalarFusedKernels extends FusedKernels {

    @Override
    public String describe() {
        return "scalar";
    }

    @Override
    void swiGlu(ByteBuffer g, ByteBuffer u, ByteBuffer out, int n, DataType type) {
        Elements gs = Elements.of(g, type), us = Elements.of(u, type), outs = Elements.of(out, type);
        for (int i = 0; i < n; i++) {
            double x = gs.get(i);
            outs.set(i, x / (1 + Math.exp(-x)) * us.get(i));
        }
    }

    @Override
    void swiGluBackward(ByteBuffer g, ByteBuffer u, ByteBuffer dOut, ByteBuffer dg, ByteBuffer du, int n,
                        DataType type) {
        Elements gs = Elements.of(g, type), us = Elements.of(u, type), ds = Elements.of(dOut, type);
        Elements dgs = Elements.of(dg, type), dus = Elements.of(du, type);
        for (int i = 0; i < n; i++) {
            double x = gs.get(i), s = 1 / (1 + Math.exp(-x)), d = ds.get(i);
            dus.set(i, d * x * s);
            dgs.set(i, d * us.get(i) * s * (1 + x * (1 - s)));
        }
    }

    @Override
    void scatterAddRows(ByteBuffer dy, int[] idx, ByteBuffer table, int width, DataType type) {
        Elements from = Elements.of(dy, type), to = Elements.of(table, type);
        for (int m = 0; m < idx.length; m++) {
            int src = m * width, dst = idx[m] * width;
            for (int j = 0; j < width; j++) {
                to.set(dst + j, to.get(dst + j) + from.get(src + j));
            }
        }
    }

    @Override
    void scaledGather(ByteBuffer table, int[] idx, ByteBuffer scale, ByteBuffer out, int width, DataType type) {
        Elements t = Elements.of(table, type), k = Elements.of(scale, type), y = Elements.of(out, type);
        for (int m = 0; m < idx.length; m++) {
            int src = idx[m] * width, dst = m * width;
            double s = k.get(m);
            for (int j = 0; j < width; j++) {
                y.set(dst + j, s * t.get(src + j));
            }
        }
    }

    @Override
    void scaledGatherBackward(ByteBuffer table, int[] idx, ByteBuffer scale, ByteBuffer dOut, ByteBuffer dTable,
                              ByteBuffer dScale, int width, DataType type) {
        Elements t = Elements.of(table, type), k = Elements.of(scale, type), d = Elements.of(dOut, type);
        Elements dt = Elements.of(dTable, type), ds = Elements.of(dScale, type);
        for (int m = 0; m < idx.length; m++) {
            int row = idx[m] * width, at = m * width;
            double s = k.get(m), dot = 0;
            for (int j = 0; j < width; j++) {
                double g = d.get(at + j);
                dot += g * t.get(row + j);
                dt.set(row + j, dt.get(row + j) + s * g);
            }
            ds.set(m, dot);
        }
    }

    @Override
    void rope(ByteBuffer x, ByteBuffer cos, ByteBuffer sin, ByteBuffer y, int rows, int hd, boolean adjacent,
              boolean backward, DataType type) {
        Elements xs = Elements.of(x, type), cs = Elements.of(cos, type), ss = Elements.of(sin, type);
        Elements ys = Elements.of(y, type);
        int half = hd / 2;
        for (int n = 0; n < rows; n++) {
            for (int p = 0; p < half; p++) {
                int a = n * hd + (adjacent ? 2 * p : p);
                int b = a + (adjacent ? 1 : half);
                double xa = xs.get(a), xb = xs.get(b);
                if (backward) {
                    ys.set(a, xa * cs.get(a) + xb * ss.get(b));
                    ys.set(b, xb * cs.get(b) - xa * ss.get(a));
                } else {
                    ys.set(a, xa * cs.get(a) - xb * ss.get(a));
                    ys.set(b, xb * cs.get(b) + xa * ss.get(b));
                }
            }
        }
    }

    @Override
    void rmsNorm(ByteBuffer x, ByteBuffer w, double eps, ByteBuffer y, int rows, int d, DataType type) {
        Elements xs = Elements.of(x, type), ws = Elements.of(w, type), ys = Elements.of(y, type);
        for (int n = 0; n < rows; n++) {
            int at = n * d;
            double r = inverseRms(xs, at, d, eps);
            for (int j = 0; j < d; j++) {
                ys.set(at + j, xs.get(at + j) * r * ws.get(j));
            }
        }
    }

    @Override
    void rmsNormBackward(ByteBuffer x, ByteBuffer w, ByteBuffer dy, double eps, ByteBuffer dx, ByteBuffer dw, int rows,
                         int d, DataType type) {
        Elements xs = Elements.of(x, type), ws = Elements.of(w, type), dys = Elements.of(dy, type);
        Elements dxs = Elements.of(dx, type);
        double[] dwSum = new double[d];
        for (int n = 0; n < rows; n++) {
            int at = n * d;
            double r = inverseRms(xs, at, d, eps);
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += ws.get(j) * dys.get(at + j) * xs.get(at + j);
            }
            double c = r * r * r * s / d;
            for (int j = 0; j < d; j++) {
                dxs.set(at + j, r * ws.get(j) * dys.get(at + j) - c * xs.get(at + j));
                dwSum[j] += dys.get(at + j) * xs.get(at + j) * r;
            }
        }
        Elements dws = Elements.of(dw, type);
        for (int j = 0; j < d; j++) {
            dws.set(j, dwSum[j]);
        }
    }

    @Override
    void biasedSoftmax(ByteBuffer s, ByteBuffer b, ByteBuffer y, int rows, int c, DataType type) {
        Elements ss = Elements.of(s, type), bs = Elements.of(b, type), ys = Elements.of(y, type);
        for (int n = 0; n < rows; n++) {
            biasedSoftmaxRow(ss, bs, ys, n * c, c);
        }
    }

    /** One row of {@link #biasedSoftmax}: elements {@code [at, at + c)}, accumulated in double. */
    private static void biasedSoftmaxRow(Elements s, Elements b, Elements y, int at, int c) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = at; j < at + c; j++) {
            max = Math.max(max, s.get(j) + b.get(j));
        }
        double sum = 0;
        for (int j = at; j < at + c; j++) {
            double e = Math.exp(s.get(j) + b.get(j) - max);
            y.set(j, e);
            sum += e;
        }
        double inv = 1 / sum;
        for (int j = at; j < at + c; j++) {
            y.set(j, y.get(j) * inv);
        }
    }

    @Override
    void softmaxBackward(ByteBuffer y, ByteBuffer dy, ByteBuffer ds, int rows, int c, DataType type) {
        Elements ys = Elements.of(y, type), dys = Elements.of(dy, type), dss = Elements.of(ds, type);
        for (int n = 0; n < rows; n++) {
            int at = n * c;
            double dot = 0;
            for (int j = at; j < at + c; j++) {
                dot += ys.get(j) * dys.get(j);
            }
            for (int j = at; j < at + c; j++) {
                dss.set(j, ys.get(j) * (dys.get(j) - dot));
            }
        }
    }

    @Override
    void crossEntropy(ByteBuffer logits, int[] labels, ByteBuffer nll, int v, DataType type) {
        Elements z = Elements.of(logits, type), out = Elements.of(nll, type);
        for (int n = 0; n < labels.length; n++) {
            int at = n * v;
            out.set(n, labels[n] < 0 || labels[n] >= v ? 0 : logSumExp(z, at, v) - z.get(at + labels[n]));
        }
    }

    @Override
    void crossEntropyBackward(ByteBuffer logits, int[] labels, ByteBuffer dNll, ByteBuffer dLogits, int v,
                              DataType type) {
        Elements z = Elements.of(logits, type), up = Elements.of(dNll, type), dz = Elements.of(dLogits, type);
        for (int n = 0; n < labels.length; n++) {
            int at = n * v;
            boolean counted = labels[n] >= 0 && labels[n] < v;
            double lse = logSumExp(z, at, v);
            double g = counted ? up.get(n) : 0;
            for (int j = 0; j < v; j++) {
                dz.set(at + j, g * Math.exp(z.get(at + j) - lse));
            }
            if (counted) {
                dz.set(at + labels[n], dz.get(at + labels[n]) - g);
            }
        }
    }

    /** {@code log Σ_j e^{z[at + j]}} over v elements, shifted by their maximum. */
    private static double logSumExp(Elements z, int at, int v) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = at; j < at + v; j++) {
            max = Math.max(max, z.get(j));
        }
        double sum = 0;
        for (int j = at; j < at + v; j++) {
            sum += Math.exp(z.get(j) - max);
        }
        return max + Math.log(sum);
    }

    /** {@code 1 / √(mean(x[at, at + d)²) + eps)}. */
    private static double inverseRms(Elements x, int at, int d, double eps) {
        double ss = 0;
        for (int j = 0; j < d; j++) {
            double v = x.get(at + j);
            ss += v * v;
        }
        return 1 / Math.sqrt(ss / d + eps);
    }

    /** Float or double elements of a buffer, read and written as doubles. */
    private interface Elements {
        double get(int i);

        void set(int i, double v);

        static Elements of(ByteBuffer b, DataType type) {
            if (type == DataType.DOUBLE) {
                DoubleBuffer db = b.asDoubleBuffer();
                return new Elements() {
                    @Override public double get(int i) { return db.get(i); }
                    @Override public void set(int i, double v) { db.put(i, v); }
                };
            }
            FloatBuffer fb = b.asFloatBuffer();
            return new Elements() {
                @Override public double get(int i) { return fb.get(i); }
                @Override public void set(int i, double v) { fb.put(i, (float) v); }
            };
        }
    }
}
