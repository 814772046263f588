package dev.sinter.models.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The q/k row reordering against HF's {@code permute}: {@code view(h, hd/2, 2, in).transpose(1, 2)}. */
class RopeLayoutTest {
    @Test
    void adjacentToHalfIsHfsPermuteAndHalfToAdjacentUndoesIt() {
        // 2 heads of hd 4, rows numbered 0..7, 3 input columns: row r holds r·10 + c
        INDArray w = Nd4j.create(DataType.FLOAT, 8, 3);
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < 3; c++) {
                w.putScalar(r, c, r * 10 + c);
            }
        }
        INDArray half = RopeLayout.adjacentToHalf(w, 2);
        // per head, (i, two) → (two, i): [x0, x1, x2, x3] becomes [x0, x2, x1, x3] (evens, then odds)
        int[] expectedRows = {0, 2, 1, 3, 4, 6, 5, 7};
        for (int r = 0; r < 8; r++) {
            assertEquals(expectedRows[r] * 10 + 2, half.getFloat(r, 2), "row " + r);
        }
        assertEquals(w, RopeLayout.halfToAdjacent(half, 2));
        // a bias is reordered like the rows; with hd 8 the halves are evens then odds
        INDArray bias = Nd4j.arange(8).castTo(DataType.FLOAT);
        assertArrayEquals(new float[]{0, 2, 4, 6, 1, 3, 5, 7}, RopeLayout.adjacentToHalf(bias, 1).toFloatVector());
        assertEquals(bias, RopeLayout.halfToAdjacent(RopeLayout.adjacentToHalf(bias, 1), 1));
    }
}
