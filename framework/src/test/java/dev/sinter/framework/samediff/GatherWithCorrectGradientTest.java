package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.GradientCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The repaired gather gradient (a scatter-add into zeros): float64 finite differences with duplicate indices. */
class GatherWithCorrectGradientTest {

    @BeforeAll
    static void patch() {
        assertTrue(SameDiffRuntime.opPatchesActive(), "SameDiff's op registry patch did not take effect");
    }

    @ParameterizedTest(name = "index rank {0}")
    @ValueSource(ints = {1, 2})
    void gradientAddsDuplicateRowsAndMatchesFiniteDifferences(int indexRank) {
        SameDiff sd = SameDiff.create();
        SDVariable table = sd.var("table", Nd4j.rand(DataType.DOUBLE, 5, 3).subi(0.5));
        INDArray idx = indexRank == 1 ? Nd4j.createFromArray(4, 1, 4, 0, 4, 2)
                : Nd4j.createFromArray(new int[][]{{4, 1, 4}, {0, 4, 2}}); // row 4 three times, row 3 never
        SDVariable rows = sd.gather(table, sd.constant(idx), 0); // [6, 3] or [2, 3, 3]
        SDVariable loss = rows.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, rows.eval().shape()))).sum().rename("loss");
        sd.setLossVariables(loss);
        var points = GradientCheck.check(sd, Map.of(), "loss", List.of("table"), 1000, 1e-7);
        assertEquals(15, points.size(), "every element was checked");
        INDArray grad = SameDiffRuntime.quietly(() -> sd.calculateGradients(Map.of(), "table")).get("table");
        assertEquals(0.0, grad.getRow(3).amaxNumber().doubleValue(), 0.0, "a row nobody gathered gets no gradient");
    }
}
