package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.kernels.FusedKernels;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.framework.testing.OpRecorder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The row gather's table gradient as one Java op ({@link GatherGradientOp}): duplicates add up, rows no index names
 * stay 0 (even in a reused output array), finite differences agree, and bad indices are refused.
 */
@ExtendWith(JavaKernelsActive.class)
class GatherGradientOpTest {

    @Test
    void gradientMatchesFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        SDVariable table = sd.var("table", Nd4j.randn(DataType.DOUBLE, 6, 3));
        SDVariable idx = sd.constant(Nd4j.createFromArray(4, 0, 4, 2, 4));
        SDVariable rows = sd.gather(table, idx, 0); // [5, 3]
        sd.setLossVariables(rows.mul(rows).mul(sd.constant(Nd4j.randn(DataType.DOUBLE, 5, 3))).sum().rename("loss"));
        OpRecorder recorder = OpRecorder.attach(sd);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("table"), 1000, 1e-7);
        assertEquals(18, points.size());
        assertTrue(recorder.names().contains("sinter_gather_bp"), recorder.names().toString());
        assertFalse(recorder.names().contains("scatter_add"), recorder.names().toString());
    }

    /** Float32 rows of 37 (whole vectors and a tail), into an output that holds garbage. */
    @Test
    void addsDuplicatesAndZeroesUnnamedRows() {
        int width = 37;
        INDArray dy = Nd4j.randn(DataType.FLOAT, 4, width);
        INDArray idx = Nd4j.createFromArray(2, 0, 2, 2);
        INDArray out = Nd4j.valueArrayOf(new long[]{5, width}, Float.NaN, DataType.FLOAT);
        FusedKernels.best().scatterAddRows(dy, idx, out);
        INDArray want = Nd4j.zeros(DataType.FLOAT, 5, width);
        want.getRow(0).assign(dy.getRow(1));
        want.getRow(2).assign(dy.getRow(0).add(dy.getRow(2)).add(dy.getRow(3)));
        assertTrue(out.equalsWithEps(want, 1e-6), out.toString());
    }

    @Test
    void refusesAnIndexOutsideTheTable() {
        INDArray dy = Nd4j.ones(DataType.FLOAT, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusedKernels.best()
                .scatterAddRows(dy, Nd4j.createFromArray(0, 5), Nd4j.zeros(DataType.FLOAT, 5, 3)));
        assertTrue(e.getMessage().contains("5 outside [0, 5)"), e.getMessage());
    }
}
