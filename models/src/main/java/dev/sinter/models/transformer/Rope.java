package dev.sinter.models.transformer;

import dev.sinter.models.config.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Rotary position tables and the signed pair-swap matrix for both RoPE conventions.
 *
 * <p>A rotated head vector is {@code x ⊙ cos + (x · R) ⊙ sin}, where R maps each channel to its (negated) partner:
 * adjacent pairs (2i, 2i+1) as in llama2.c and Meta's Llama, or halves (i, i + hd/2) as in HF's rotate_half.
 * Frequencies: θ^(-2i/hd) for pair i.
 */
public final class Rope {
    private final INDArray cos; // [S, hd]
    private final INDArray sin; // [S, hd]
    private final INDArray swap; // [hd, hd]

    public Rope(ModelConfig cfg, DataType dtype) {
        int hd = cfg.headDim();
        int s = cfg.maxSeqLen();
        boolean adjacent = cfg.ropeStyle().equals("adjacent");
        double[][] c = new double[s][hd];
        double[][] sn = new double[s][hd];
        for (int t = 0; t < s; t++) {
            for (int j = 0; j < hd; j++) {
                int pair = adjacent ? j / 2 : j % (hd / 2);
                double freq = Math.pow(cfg.ropeTheta(), -2.0 * pair / hd);
                double angle = t * freq;
                c[t][j] = Math.cos(angle);
                sn[t][j] = Math.sin(angle);
            }
        }
        double[][] r = new double[hd][hd];
        for (int j = 0; j < hd; j++) {
            if (adjacent) {
                // (xR)_{2i} = -x_{2i+1}, (xR)_{2i+1} = x_{2i}
                if (j % 2 == 0) {
                    r[j + 1][j] = -1;
                } else {
                    r[j - 1][j] = 1;
                }
            } else {
                // (xR)_j = -x_{j+hd/2} for j < hd/2, x_{j-hd/2} otherwise
                int h2 = hd / 2;
                if (j < h2) {
                    r[j + h2][j] = -1;
                } else {
                    r[j - h2][j] = 1;
                }
            }
        }
        this.cos = Nd4j.createFromArray(c).castTo(dtype);
        this.sin = Nd4j.createFromArray(sn).castTo(dtype);
        this.swap = Nd4j.createFromArray(r).castTo(dtype);
    }

    /** The signed pair-swap matrix R, [hd, hd]. */
    public INDArray swapMatrix() {
        return swap;
    }

    /** cos table for positions [offset, offset+T), shaped [T, 1, hd] to broadcast over [B, T, H, hd]. */
    public INDArray cos(int offset, int t) {
        return rows(cos, offset, t);
    }

    /** sin table for positions [offset, offset+T), shaped [T, 1, hd]. */
    public INDArray sin(int offset, int t) {
        return rows(sin, offset, t);
    }

    /** A {@code [T, 1, hd]} table repeated to {@code [B, T, heads, hd]}. */
    public static INDArray expand(INDArray table, int batch, int heads) {
        long t = table.size(0);
        long hd = table.size(2);
        return table.reshape(1, t, 1, hd).broadcast(batch, t, heads, hd).dup('c');
    }

    private static INDArray rows(INDArray table, int offset, int t) {
        return table.get(NDArrayIndex.interval(offset, offset + t), NDArrayIndex.all()).dup('c')
                .reshape(t, 1, table.size(1));
    }
}
