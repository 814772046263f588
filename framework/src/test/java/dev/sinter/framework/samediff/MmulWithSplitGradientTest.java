package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.framework.testing.OpRecorder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The split matmul gradient: float64 finite differences for every transpose combination, and no frozen dW. */
class MmulWithSplitGradientTest {

    @BeforeAll
    static void patch() {
        assertTrue(SameDiffRuntime.opPatchesActive(), "SameDiff's op registry patch did not take effect");
    }

    @ParameterizedTest(name = "rank {0}, transposeA {1}, transposeB {2}")
    @CsvSource({"2,false,false", "2,false,true", "2,true,false", "2,true,true",
            "3,false,false", "3,false,true", "3,true,false", "3,true,true", "4,false,true"})
    void gradientsMatchFiniteDifferences(int rank, boolean ta, boolean tb) {
        SameDiff sd = SameDiff.create();
        long m = 3;
        long k = 4;
        long n = 5;
        long[] batch = rank == 2 ? new long[0] : rank == 3 ? new long[]{2} : new long[]{2, 2};
        SDVariable a = sd.var("a", Nd4j.rand(DataType.DOUBLE, shape(batch, ta ? k : m, ta ? m : k)).subi(0.5));
        SDVariable b = sd.var("b", Nd4j.rand(DataType.DOUBLE, shape(batch, tb ? n : k, tb ? k : n)).subi(0.5));
        SDVariable y = sd.mmul(a, b, ta, tb, false); // [..., m, n]
        INDArray weights = Nd4j.rand(DataType.DOUBLE, shape(batch, m, n));
        SDVariable loss = y.mul(sd.constant(weights)).sum().rename("loss"); // a loss that weights every output
        sd.setLossVariables(loss);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("a", "b"), 1000, 1e-7);
        assertEquals(a.getArr().length() + b.getArr().length(), points.size(), "every element was checked");
    }

    @org.junit.jupiter.api.Test
    void aFrozenOperandIsNeverDifferentiated() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.rand(DataType.FLOAT, 8, 6));
        SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 5, 6));
        SDVariable loss = sd.mmul(x, w, false, true, false).sum().rename("loss"); // [8, 5] → scalar
        sd.setLossVariables(loss);
        OpRecorder recorder = OpRecorder.attach(sd);
        INDArray dx = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "x")).get("x");
        List<String> executed = recorder.names();
        assertEquals(2, executed.stream().filter(o -> o.startsWith("matmul")).count(),
                "forward + dX only, no dW: " + executed);
        assertTrue(executed.stream().noneMatch("matmul_bp"::equals), executed.toString());
        // dL/dx[i, j] = Σ_o w[o, j]
        INDArray expected = w.getArr().sum(0).reshape(1, 6).broadcast(8, 6);
        assertEquals(0.0, dx.sub(expected).amaxNumber().doubleValue(), 1e-5);
    }

    private static long[] shape(long[] batch, long r, long c) {
        long[] s = new long[batch.length + 2];
        System.arraycopy(batch, 0, s, 0, batch.length);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
