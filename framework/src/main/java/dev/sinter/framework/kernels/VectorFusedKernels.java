package dev.sinter.framework.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link FusedKernels} on the incubating Vector API in the CPU's widest float lanes, float32 only (float64 goes to
 * {@link ScalarFusedKernels}), in unmasked vector loops (JDK 17 compiles masked loads from buffers poorly); what is
 * left past the last whole vector runs in {@link ScalarFusedKernels}' loops.
 * Instantiated by name from {@link FusedKernels#best()} only when the module is present.
 */
final class VectorFusedKernels extends FusedKernels {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
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
            x.mul(VectorMath.sigmoid(x)).mul(FloatVector.fromByteBuffer(S, u, at, ORDER)).intoByteBuffer(out, at, ORDER);
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

    /** The buffer from byte {@code from} on, in native order. */
    private static ByteBuffer tail(ByteBuffer b, int from) {
        return b.slice(from, b.capacity() - from).order(ORDER);
    }
}
