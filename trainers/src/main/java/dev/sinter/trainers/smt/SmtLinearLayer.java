package dev.sinter.trainers.smt;

import dev.sinter.models.transformer.LinearLayer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The block-sparse projection of SMT's second phase: {@code y = x·W0ᵀ + Σ_k scatter_rows(B_k · x[:, cols_k]ᵀ)}.
 *
 * <p>W0 is frozen with the selected blocks zeroed; the blocks live in one trainable variable
 * {@code <module>.smt_blocks} {@code [nb, l, l]}. Their contribution takes one of two forms, by cost: three dense
 * products through constant one-hot selections (few blocks per matrix) or a gather / batched {@code mmul} / segment
 * sum (many). Either way autodiff forms only the {@code [nb, l, l]} block gradients, and W0's dense gradient is never
 * computed (SameDiff's matmul gradient is split per operand, see {@code MmulWithSplitGradient}).
 */
public final class SmtLinearLayer implements LinearLayer {
    private final int l;
    private final Map<String, List<Block>> byMatrix;

    /** @param selection the blocks to train, keyed by the weight names the graph builder passes to {@link #apply} */
    public SmtLinearLayer(List<Block> selection, int blockSize) {
        this.l = blockSize;
        this.byMatrix = selection.stream().collect(Collectors.groupingBy(Block::matrix, LinkedHashMap::new,
                Collectors.toList()));
    }

    /** Name of the trainable block variable of a weight. */
    public static String blocksName(String weightName) {
        return weightName.substring(0, weightName.length() - ".weight".length()) + ".smt_blocks";
    }

    Map<String, List<Block>> blocksByMatrix() {
        return byMatrix;
    }

    @Override
    public SDVariable apply(SameDiff sd, String weightName, SDVariable x, SDVariable w) {
        SDVariable base = sd.mmul(x, w, false, true, false); // [N, out]
        List<Block> blocks = byMatrix.get(weightName);
        if (blocks == null) {
            return base;
        }
        int out = (int) w.getArr().size(0);
        int in = (int) w.getArr().size(1);
        SDVariable b = sd.var(blocksName(weightName), Nd4j.zeros(w.dataType(), blocks.size(), l, l)); // [nb, l, l]
        SDVariable sparse = usesMatmulForm(blocks.size() * l, in, out) ? matmulForm(sd, x, b, blocks, in, out)
                : gatherForm(sd, x, b, blocks, in, out);
        return base.add(sparse);
    }

    /**
     * The matmul form costs {@code N·m·(in + m + out)} for {@code m = nb·l} selected rows: cheaper than the gather
     * form's copies of x and y while {@code m} is at most the smaller side of the weight, far dearer beyond.
     */
    static boolean usesMatmulForm(int m, int in, int out) {
        return m <= Math.min(in, out);
    }

    /**
     * Three dense products: {@code x·Pᵀ} picks each block's input columns ({@code P} constant one-hot
     * {@code [nb·l, in]}), the block-diagonal matrix of the blocks applies them, and {@code ·Q} adds each block's
     * outputs into its rows ({@code Q} constant one-hot {@code [nb·l, out]}). Gradients reach only the blocks.
     */
    private SDVariable matmulForm(SameDiff sd, SDVariable x, SDVariable b, List<Block> blocks, int in, int out) {
        int nb = blocks.size();
        int m = nb * l;
        DataType dt = b.dataType();
        INDArray pick = Nd4j.zeros(dt, m, in); // [nb·l, in]
        INDArray place = Nd4j.zeros(dt, m, out); // [nb·l, out]
        for (int k = 0; k < nb; k++) {
            for (int a = 0; a < l; a++) {
                pick.putScalar(k * l + a, blocks.get(k).colBlock() * l + a, 1.0);
                place.putScalar(k * l + a, blocks.get(k).rowBlock() * l + a, 1.0);
            }
        }
        INDArray eye = Nd4j.eye(nb).castTo(dt).reshape(nb, 1, nb, 1);
        // diag[k·l + a, k'·l + c] = [k = k'] · B[k, a, c]
        SDVariable diag = sd.reshape(sd.reshape(b, nb, l, 1, l).mul(sd.constant(eye)), m, m); // [nb·l, nb·l]
        SDVariable xs = sd.mmul(x, sd.constant(pick), false, true, false); // [N, nb·l]
        SDVariable ys = sd.mmul(xs, diag, false, true, false); // [N, nb·l]
        return sd.mmul(ys, sd.constant(place)); // [N, out]
    }

    /**
     * The selected column slices of {@code xᵀ} gathered at once ({@code [nb, l, N]}), multiplied by the blocks in one
     * batched {@code mmul}, and segment-summed into the output rows: linear in the number of blocks.
     */
    private SDVariable gatherForm(SameDiff sd, SDVariable x, SDVariable b, List<Block> blocks, int in, int out) {
        int nb = blocks.size();
        int[] cols = new int[nb];
        int[] rows = new int[nb * l];
        for (int k = 0; k < nb; k++) {
            cols[k] = blocks.get(k).colBlock();
            for (int a = 0; a < l; a++) {
                rows[k * l + a] = blocks.get(k).rowBlock() * l + a;
            }
        }
        SDVariable xt = sd.reshape(sd.permute(x, 1, 0), in / l, l, -1); // [in/l, l, N]
        SDVariable slices = sd.gather(xt, sd.constant(Nd4j.createFromArray(cols)), 0); // [nb, l, N]
        SDVariable yb = sd.reshape(sd.mmul(b, slices), nb * l, -1); // [nb·l, N]
        SDVariable rowsOut = sd.unsortedSegmentSum(yb, sd.constant(Nd4j.createFromArray(rows)), out); // [out, N]
        return sd.permute(rowsOut, 1, 0); // [N, out]
    }

    /** Moves the selected blocks of the dense weights into block tensors and zeroes them in place in W0. */
    public Map<String, INDArray> extractBlocks(Map<String, INDArray> dense) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        byMatrix.forEach((matrix, blocks) -> {
            INDArray w = dense.get(matrix);
            INDArray b = Nd4j.zeros(w.dataType(), blocks.size(), l, l);
            for (int k = 0; k < blocks.size(); k++) {
                INDArray view = w.get(window(blocks.get(k)));
                b.get(NDArrayIndex.point(k), NDArrayIndex.all(), NDArrayIndex.all()).assign(view);
                view.assign(0);
            }
            out.put(blocksName(matrix), b);
        });
        return out;
    }

    /** Dense weights {@code W0 + blocks}: the written-back model (copies; the inputs are unchanged). */
    public Map<String, INDArray> writeBack(Map<String, INDArray> w0, java.util.function.Function<String, INDArray> blocks) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        w0.forEach((name, w) -> out.put(name, w.dup()));
        byMatrix.forEach((matrix, list) -> {
            INDArray b = blocks.apply(blocksName(matrix));
            INDArray w = out.get(matrix);
            for (int k = 0; k < list.size(); k++) {
                w.get(window(list.get(k))).assign(b.get(NDArrayIndex.point(k), NDArrayIndex.all(), NDArrayIndex.all()));
            }
        });
        return out;
    }

    private INDArrayIndex[] window(Block blk) {
        return new INDArrayIndex[]{NDArrayIndex.interval(blk.rowBlock() * l, (blk.rowBlock() + 1) * l),
                NDArrayIndex.interval(blk.colBlock() * l, (blk.colBlock() + 1) * l)};
    }
}
