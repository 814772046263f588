package dev.sinter.framework.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link FusedKernels} on the incubating Vector API in the CPU's widest float lanes, float32 only (float64 goes to
 * {@link ScalarFusedKernels}). The last partial vector runs masked, so every element takes the same arithmetic.
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
        if (type != DataType.FLOAT) {
            scalar.swiGlu(g, u, out, n, type);
            return;
        }
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            int at = 4 * i;
            FloatVector x = FloatVector.fromByteBuffer(S, g, at, ORDER);
            x.mul(VectorMath.sigmoid(x)).mul(FloatVector.fromByteBuffer(S, u, at, ORDER)).intoByteBuffer(out, at, ORDER);
        }
        if (bound < n) {
            VectorMask<Float> m = S.indexInRange(bound, n);
            int at = 4 * bound;
            FloatVector x = FloatVector.fromByteBuffer(S, g, at, ORDER, m);
            x.mul(VectorMath.sigmoid(x)).mul(FloatVector.fromByteBuffer(S, u, at, ORDER, m))
                    .intoByteBuffer(out, at, ORDER, m);
        }
    }

    @Override
    void swiGluBackward(ByteBuffer g, ByteBuffer u, ByteBuffer dOut, ByteBuffer dg, ByteBuffer du, int n,
                        DataType type) {
        if (type != DataType.FLOAT) {
            scalar.swiGluBackward(g, u, dOut, dg, du, n, type);
            return;
        }
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            swiGluBackward(g, u, dOut, dg, du, 4 * i, S.maskAll(true));
        }
        if (bound < n) {
            swiGluBackward(g, u, dOut, dg, du, 4 * bound, S.indexInRange(bound, n));
        }
    }

    /** One vector of {@link #swiGluBackward(ByteBuffer, ByteBuffer, ByteBuffer, ByteBuffer, ByteBuffer, int,
     * DataType)} at byte offset {@code at}, the lanes of {@code m}. */
    private static void swiGluBackward(ByteBuffer g, ByteBuffer u, ByteBuffer dOut, ByteBuffer dg, ByteBuffer du,
                                       int at, VectorMask<Float> m) {
        FloatVector x = FloatVector.fromByteBuffer(S, g, at, ORDER, m);
        FloatVector d = FloatVector.fromByteBuffer(S, dOut, at, ORDER, m);
        FloatVector s = VectorMath.sigmoid(x);
        d.mul(x).mul(s).intoByteBuffer(du, at, ORDER, m);
        FloatVector slope = x.mul(s.neg().add(1f)).add(1f).mul(s); // σ(g)·(1 + g·(1 − σ(g)))
        d.mul(FloatVector.fromByteBuffer(S, u, at, ORDER, m)).mul(slope).intoByteBuffer(dg, at, ORDER, m);
    }
}
