package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The scaled row gather ({@link ScaledGatherOp}, a mixture of experts' combine): float64 finite differences for the
 * table and the scales, float32 values and gradients against {@code gather(table, idx) ⊙ scale} computed by hand,
 * and bad indices refused.
 */
@ExtendWith(JavaKernelsActive.class)
class ScaledGatherOpTest {

    @Test
    void gradientMatchesFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        SDVariable table = sd.var("table", Nd4j.randn(DataType.DOUBLE, 5, 4));
        SDVariable scale = sd.var("scale", Nd4j.randn(DataType.DOUBLE, 6));
        SDVariable idx = sd.constant(Nd4j.createFromArray(3, 0, 3, 1, 4, 3)); // a row read three times, one never
        SDVariable out = ScaledGatherOp.gather(sd, table, idx, scale); // [6, 4]
        sd.setLossVariables(out.mul(out).mul(sd.constant(Nd4j.randn(DataType.DOUBLE, 6, 4))).sum().rename("loss"));
        OpRecorder recorder = OpRecorder.attach(sd);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("table", "scale"), 1000, 1e-7);
        assertEquals(26, points.size(), "every element was checked");
        assertTrue(recorder.names().containsAll(List.of("sinter_scaled_gather", "sinter_scaled_gather_bp")),
                recorder.names().toString());
    }

    /** Rows of 37 floats: whole vectors and a tail; the outputs hold garbage before the kernel writes them. */
    @Test
    void equalsGatherTimesScaleInFloat32() {
        int width = 37;
        INDArray table = Nd4j.randn(DataType.FLOAT, 6, width);
        INDArray idx = Nd4j.createFromArray(5, 1, 5, 0);
        INDArray scale = Nd4j.createFromArray(0.5f, -2f, 0f, 3f);
        INDArray dOut = Nd4j.randn(DataType.FLOAT, 4, width);
        INDArray out = Nd4j.valueArrayOf(new long[]{4, width}, Float.NaN, DataType.FLOAT);
        INDArray dTable = Nd4j.valueArrayOf(new long[]{6, width}, Float.NaN, DataType.FLOAT);
        INDArray dScale = Nd4j.valueArrayOf(new long[]{4}, Float.NaN, DataType.FLOAT);
        FusedKernels.best().scaledGather(table, idx, scale, out);
        FusedKernels.best().scaledGatherBackward(table, idx, scale, dOut, dTable, dScale);
        INDArray wantTable = Nd4j.zeros(DataType.FLOAT, 6, width);
        for (int m = 0; m < 4; m++) {
            INDArray row = table.getRow(idx.getInt(m));
            float k = scale.getFloat(m);
            assertTrue(out.getRow(m).equalsWithEps(row.mul(k), 1e-6), "row " + m);
            assertEquals(dOut.getRow(m).mul(row).sumNumber().doubleValue(), dScale.getDouble(m), 1e-4, "dScale " + m);
            wantTable.getRow(idx.getInt(m)).addi(dOut.getRow(m).mul(k));
        }
        assertTrue(dTable.equalsWithEps(wantTable, 1e-5), "rows never read get 0; row 5 adds two rows");
    }

    @Test
    void refusesAnIndexOutsideTheTable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusedKernels.best()
                .scaledGather(Nd4j.zeros(DataType.FLOAT, 3, 2), Nd4j.createFromArray(-1), Nd4j.ones(DataType.FLOAT, 1),
                        Nd4j.zeros(DataType.FLOAT, 1, 2)));
        assertTrue(e.getMessage().contains("-1 outside [0, 3)"), e.getMessage());
    }
}
