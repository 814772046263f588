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
        if (ownsWholeBuffer(a)) {
            return a.data().asFloat(); // one copy, straight from the buffer
        }
        INDArray c = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        return c.dup('c').data().asFloat();
    }

    /** Sets {@code a} to {@code values} (C order), in place. */
    static void assign(INDArray a, float[] values) {
        if (a.length() != values.length) {
            throw new IllegalArgumentException("an array of " + a.length() + " elements cannot take " + values.length);
        }
        if (ownsWholeBuffer(a)) {
            a.data().setData(values); // no temporary off-heap array (a worker never triggers the GC that frees one)
        } else {
            a.assign(of(values, a.shape()));
        }
    }

    /** Whether {@code a} is a float array that is its whole buffer in C order. */
    private static boolean ownsWholeBuffer(INDArray a) {
        return a.dataType() == DataType.FLOAT && !a.isView() && a.ordering() == 'c' && a.offset() == 0
                && a.data().length() == a.length();
    }

    /** A new float array of {@code shape} holding {@code values}. */
    static INDArray of(float[] values, long[] shape) {
        return Nd4j.createFromArray(values).reshape('c', shape);
    }
}
