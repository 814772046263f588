package dev.sinter.framework.kernels;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;

/** {@link FusedKernels} in plain Java loops: the float64 path, and float32 when the Vector API is absent. */
final class ScalarFusedKernels extends FusedKernels {

    @Override
    public String describe() {
        return "scalar";
    }

    @Override
    void swiGlu(ByteBuffer g, ByteBuffer u, ByteBuffer out, int n, DataType type) {
        if (type == DataType.DOUBLE) {
            DoubleBuffer gd = g.asDoubleBuffer(), ud = u.asDoubleBuffer(), od = out.asDoubleBuffer();
            for (int i = 0; i < n; i++) {
                double x = gd.get(i);
                od.put(i, x / (1 + Math.exp(-x)) * ud.get(i));
            }
        } else {
            FloatBuffer gf = g.asFloatBuffer(), uf = u.asFloatBuffer(), of = out.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                float x = gf.get(i);
                of.put(i, x * (1f / (1f + (float) Math.exp(-x))) * uf.get(i));
            }
        }
    }

    @Override
    void swiGluBackward(ByteBuffer g, ByteBuffer u, ByteBuffer dOut, ByteBuffer dg, ByteBuffer du, int n,
                        DataType type) {
        if (type == DataType.DOUBLE) {
            DoubleBuffer gd = g.asDoubleBuffer(), ud = u.asDoubleBuffer(), dd = dOut.asDoubleBuffer();
            DoubleBuffer dgd = dg.asDoubleBuffer(), dud = du.asDoubleBuffer();
            for (int i = 0; i < n; i++) {
                double x = gd.get(i), s = 1 / (1 + Math.exp(-x)), d = dd.get(i);
                dud.put(i, d * x * s);
                dgd.put(i, d * ud.get(i) * s * (1 + x * (1 - s)));
            }
        } else {
            FloatBuffer gf = g.asFloatBuffer(), uf = u.asFloatBuffer(), df = dOut.asFloatBuffer();
            FloatBuffer dgf = dg.asFloatBuffer(), duf = du.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                float x = gf.get(i), s = 1f / (1f + (float) Math.exp(-x)), d = df.get(i);
                duf.put(i, d * x * s);
                dgf.put(i, d * uf.get(i) * s * (1f + x * (1f - s)));
            }
        }
    }
}
