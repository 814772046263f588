package dev.sinter.distributed;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Float arrays as they travel between driver and workers: flat, C order. */
final class Arrays32 {
    private Arrays32() {
    }

    /** The elements of {@code a} in C order, as floats (a copy). */
    static float[] flat(INDArray a) {
        INDArray c = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        return c.dup('c').data().asFloat();
    }

    /** A new float array of {@code shape} holding {@code values}. */
    static INDArray of(float[] values, long[] shape) {
        return Nd4j.createFromArray(values).reshape('c', shape);
    }
}
