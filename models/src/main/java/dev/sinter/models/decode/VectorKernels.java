package dev.sinter.models.decode;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the incubating Vector API (JDK 17: {@code --add-modules jdk.incubator.vector}) in the CPU's widest float
 * lanes. Loops run over whole vectors and finish the remainder in scalar code. Instantiated by name from
 * {@link Kernels#best()} only when the module is present.
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
    void matVec(float[] w, int rows, int cols, float[] x, int xo, float[] y, int yo) {
        int bound = S.loopBound(cols);
        int r = 0;
        for (; r + 3 < rows; r += 4) { // four rows share each load of x
            int w0 = r * cols;
            int w1 = w0 + cols;
            int w2 = w1 + cols;
            int w3 = w2 + cols;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            int c = 0;
            for (; c < bound; c += L) {
                FloatVector xv = FloatVector.fromArray(S, x, xo + c);
                a0 = FloatVector.fromArray(S, w, w0 + c).fma(xv, a0);
                a1 = FloatVector.fromArray(S, w, w1 + c).fma(xv, a1);
                a2 = FloatVector.fromArray(S, w, w2 + c).fma(xv, a2);
                a3 = FloatVector.fromArray(S, w, w3 + c).fma(xv, a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            float s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD);
            float s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
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
            y[yo + r] = dot(w, r * cols, x, xo, cols);
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
    float max(float[] x, int n) {
        int bound = S.loopBound(n);
        float m = x[0];
        int i = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.fromArray(S, x, 0);
            for (i = L; i < bound; i += L) {
                acc = acc.max(FloatVector.fromArray(S, x, i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, x[i]);
        }
        return m;
    }

    @Override
    float expShifted(float[] x, int n, float shift) {
        int bound = S.loopBound(n);
        FloatVector sv = FloatVector.broadcast(S, shift);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, i).sub(sv).lanewise(VectorOperators.EXP);
            e.intoArray(x, i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[i] - shift);
            x[i] = e;
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
