package dev.sinter.models.decode;

/**
 * The decoder's inner loops over float arrays. {@link VectorKernels} uses the incubating Vector API and is chosen when
 * the JVM was started with {@code --add-modules jdk.incubator.vector}; {@link ScalarKernels} is the plain-Java
 * fallback. System property {@value #PROPERTY} = {@code scalar} or {@code vector} forces one (e.g. to compare them).
 */
abstract class Kernels {
    static final String PROPERTY = "sinter.decode.kernels";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    /** The fastest kernels this JVM can run (or the ones {@value #PROPERTY} names). */
    static Kernels best() {
        String forced = System.getProperty(PROPERTY, "");
        boolean vectorPresent = ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
        switch (forced) {
            case "" -> {
                return vectorPresent ? vector() : new ScalarKernels();
            }
            case "scalar" -> {
                return new ScalarKernels();
            }
            case "vector" -> {
                if (!vectorPresent) {
                    throw new IllegalStateException(PROPERTY + "=vector but module " + VECTOR_MODULE
                            + " is not loaded; start the JVM with --add-modules " + VECTOR_MODULE);
                }
                return vector();
            }
            default -> throw new IllegalArgumentException(PROPERTY + " must be 'scalar' or 'vector', got '" + forced
                    + "'");
        }
    }

    /** Loaded by name so that a JVM without the incubator module never links the class. */
    private static Kernels vector() {
        try {
            return (Kernels) Class.forName("dev.sinter.models.decode.VectorKernels").getDeclaredConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create the Vector API kernels", e);
        }
    }

    /** A short name for logs and benchmark output, e.g. {@code vector-512} or {@code scalar}. */
    abstract String describe();

    /** A row-major {@code [rows, cols]} matrix in the layout {@link #matVec} reads (a new array, or {@code w}). */
    abstract float[] pack(float[] w, int rows, int cols);

    /**
     * {@code y[yo + r] = Σ_c W[r, c] · x[xo + c]} for {@code r < rows}, where {@code packed} holds W {@code [rows,
     * cols]} as {@link #pack} returned it. Writes {@code y[yo, yo + padded(rows))}: y needs that room (the padding
     * rows get zeros).
     */
    abstract void matVec(float[] packed, int rows, int cols, float[] x, int xo, float[] y, int yo);

    /** {@code n} rounded up to whole vectors: the room {@link #matVec} and {@link #scores} may write. */
    abstract int padded(int n);

    /**
     * {@link #matVec} for m vectors: row j of x at {@code x[j·xStride …]} gives row j of y at {@code y[j·yStride …]},
     * each equal to what matVec computes for it (the default calls it m times; an override may share each load of the
     * weights between vectors).
     */
    void matMat(float[] packed, int rows, int cols, float[] x, int xStride, int m, float[] y, int yStride) {
        for (int j = 0; j < m; j++) {
            matVec(packed, rows, cols, x, j * xStride, y, j * yStride);
        }
    }

    /**
     * Attention scores of {@code heads} query heads against one cached key head: {@code out[j·outStride + s] =
     * scale · Σ_i q[qo + j·hd + i] · keys[ko + i·stride + s]} for {@code j < heads}, {@code s < n}. The keys are
     * channel-major: channel i of position s at {@code ko + i·stride + s}. Strides are {@link #padded} lengths; the
     * kernel may compute (and write) positions up to {@code padded(n)} from whatever the key rows hold there.
     */
    abstract void scores(float[] q, int qo, int heads, int hd, float scale, float[] keys, int ko, int stride, int n,
                         float[] out, int outStride);

    /**
     * Attention output of one head: {@code out[oo + i] = Σ_s p[po + s] · vals[vo + s·hd + i]} for {@code i < hd},
     * {@code s < n}; the head's cached values are position-major {@code [S, hd]} from {@code vo}. May use
     * {@code out[oo + hd, oo + padded(hd))} as scratch: out needs that room.
     */
    abstract void weightedSum(float[] p, int po, int n, float[] vals, int vo, int hd, float[] out, int oo);

    /** {@code y[i] += alpha · x[xo + i]} for {@code i < n}. */
    abstract void axpy(float alpha, float[] x, int xo, float[] y, int n);

    /** {@code max_i x[xo + i]} for {@code i < n} (n ≥ 1). */
    abstract float max(float[] x, int xo, int n);

    /** {@code x[xo + i] = exp(x[xo + i] − shift)} for {@code i < n}; returns the sum of the new values. */
    abstract float expShifted(float[] x, int xo, int n, float shift);

    /**
     * SwiGLU in place on {@code [gate (n), up (n)]} at {@code a[ao …]}: {@code a[ao + j] = silu(a[ao + j]) ·
     * a[ao + n + j]} for {@code j < n}.
     */
    abstract void swiglu(float[] a, int ao, int n);
}
