package dev.sinter.models.decode;

/**
 * Plain-Java kernels: matrix-vector products four rows at a time, so four independent accumulators share each load of
 * x and the JIT can pipeline them.
 */
final class ScalarKernels extends Kernels {
    @Override
    String describe() {
        return "scalar";
    }

    /** Row-major, as given. */
    @Override
    float[] pack(float[] w, int rows, int cols) {
        return w;
    }

    @Override
    void matVec(float[] w, int rows, int cols, float[] x, int xo, float[] y, int yo) {
        int r = 0;
        for (; r + 3 < rows; r += 4) {
            int w0 = r * cols;
            int w1 = w0 + cols;
            int w2 = w1 + cols;
            int w3 = w2 + cols;
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            for (int c = 0; c < cols; c++) {
                float xc = x[xo + c];
                s0 += w[w0 + c] * xc;
                s1 += w[w1 + c] * xc;
                s2 += w[w2 + c] * xc;
                s3 += w[w3 + c] * xc;
            }
            y[yo + r] = s0;
            y[yo + r + 1] = s1;
            y[yo + r + 2] = s2;
            y[yo + r + 3] = s3;
        }
        for (; r < rows; r++) {
            float acc = 0;
            for (int c = 0; c < cols; c++) {
                acc += w[r * cols + c] * x[xo + c];
            }
            y[yo + r] = acc;
        }
    }

    @Override
    void weightedSum(float[] p, int po, int n, float[] vals, int vo, int hd, float[] out, int oo) {
        java.util.Arrays.fill(out, oo, oo + hd, 0f);
        for (int s = 0; s < n; s++) {
            float ps = p[po + s];
            int v = vo + s * hd;
            for (int i = 0; i < hd; i++) {
                out[oo + i] += ps * vals[v + i];
            }
        }
    }

    @Override
    void axpy(float alpha, float[] x, int xo, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += alpha * x[xo + i];
        }
    }

    @Override
    int padded(int n) {
        return n;
    }

    @Override
    void scores(float[] q, int qo, int heads, int hd, float scale, float[] keys, int ko, int stride, int n,
                float[] out, int outStride) {
        for (int j = 0; j < heads; j++) {
            int o = j * outStride;
            java.util.Arrays.fill(out, o, o + n, 0f);
            for (int i = 0; i < hd; i++) {
                float qi = q[qo + j * hd + i];
                int kr = ko + i * stride;
                for (int s = 0; s < n; s++) {
                    out[o + s] += qi * keys[kr + s];
                }
            }
            for (int s = 0; s < n; s++) {
                out[o + s] *= scale;
            }
        }
    }

    @Override
    float max(float[] x, int xo, int n) {
        float m = x[xo];
        for (int i = 1; i < n; i++) {
            m = Math.max(m, x[xo + i]);
        }
        return m;
    }

    @Override
    float expShifted(float[] x, int xo, int n, float shift) {
        double sum = 0;
        for (int i = xo; i < xo + n; i++) {
            float e = (float) Math.exp(x[i] - shift);
            x[i] = e;
            sum += e;
        }
        return (float) sum;
    }

    @Override
    void swiglu(float[] a, int ao, int n) {
        for (int j = ao; j < ao + n; j++) {
            float g = a[j];
            a[j] = g * (1f / (1f + (float) Math.exp(-g))) * a[n + j];
        }
    }
}
