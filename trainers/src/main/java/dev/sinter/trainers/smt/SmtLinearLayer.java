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
 * {@code <module>.smt_blocks} {@code [nb, l, l]} per matrix. Each matrix takes the cheaper of two forms: the block
 * form, whose autodiff forms only the {@code [nb, l, l]} block gradients and never a gradient of W0 (SameDiff's matmul
 * gradient is split per operand, see {@code MmulWithSplitGradient}), or, when the blocks cover so much of the matrix
 * that this would cost more than a dense weight gradient, the dense form {@code x·(W0 + ΔW)ᵀ}. MoE experts' blocks
 * always train in the weight form {@code W0 + ΔW} ({@link #expertWeight}).
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
        List<Block> blocks = byMatrix.get(weightName);
        if (blocks == null) {
            return sd.mmul(x, w, false, true, false); // [N, out]
        }
        int out = (int) w.getArr().size(0);
        int in = (int) w.getArr().size(1);
        int nb = blocks.size();
        DataType dt = w.dataType();
        SDVariable b = sd.var(blocksName(weightName), Nd4j.zeros(dt, nb, l, l)); // [nb, l, l]
        return usesBlockForm(nb * l, in, out) ? sd.mmul(x, w, false, true, false).add(blockForm(sd, x, b, blocks, in, out))
                : denseForm(sd, x, w, b, blocks, in, out);
    }

    /**
     * The block form costs {@code N·m·(in + l + out)} multiply-adds for {@code m = nb·l} selected rows; the dense form
     * costs one dense weight gradient, {@code N·in·out}. Blocks that cover that much of a matrix train through the
     * dense form.
     */
    boolean usesBlockForm(int m, int in, int out) {
        return (long) m * (in + l + out) <= (long) in * out;
    }

    /**
     * Three products: a constant one-hot {@code [nb·l, in]} picks each block's input columns of {@code xᵀ}
     * ({@code [nb, l, N]}), one batched {@code mmul} applies the blocks, and a constant one-hot {@code [nb·l, out]}
     * adds each block's outputs into its rows, read transposed straight into {@code [N, out]}. Only gemms: on ND4J
     * they beat gathers and segment sums of the same data by far. No gradient of W0 is formed.
     */
    private SDVariable blockForm(SameDiff sd, SDVariable x, SDVariable b, List<Block> blocks, int in, int out) {
        int nb = blocks.size();
        int m = nb * l;
        INDArray pick = Nd4j.zeros(b.dataType(), m, in); // row k·l + c selects input column colBlock_k·l + c
        INDArray place = Nd4j.zeros(b.dataType(), m, out); // row k·l + a adds into output row rowBlock_k·l + a
        for (int k = 0; k < nb; k++) {
            for (int a = 0; a < l; a++) {
                pick.putScalar(k * l + a, blocks.get(k).colBlock() * l + a, 1.0);
                place.putScalar(k * l + a, blocks.get(k).rowBlock() * l + a, 1.0);
            }
        }
        SDVariable slices = sd.reshape(sd.mmul(sd.constant(pick), x, false, true, false), nb, l, -1); // [nb, l, N]
        SDVariable yb = sd.reshape(sd.mmul(b, slices), m, -1); // [nb·l, N]
        return sd.mmul(yb, sd.constant(place), true, false, false); // [N, out]
    }

    /** {@code x·(W0 + ΔW)ᵀ}: autodiff forms the dense gradient of {@code W0 + ΔW} once and hands each block its part. */
    private SDVariable denseForm(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, List<Block> blocks, int in,
                                 int out) {
        return sd.mmul(x, w.add(delta(sd, b, blocks, in, out)), false, true, false); // [N, out]
    }

    /**
     * An MoE expert's selected blocks train in weight form, {@code W0 + ΔW}: the experts run as one batched product
     * over their stacked weights, so the block form does not apply.
     */
    @Override
    public SDVariable expertWeight(SameDiff sd, String weightName, SDVariable w) {
        List<Block> blocks = byMatrix.get(weightName);
        if (blocks == null) {
            return w;
        }
        int out = (int) w.getArr().size(0);
        int in = (int) w.getArr().size(1);
        SDVariable b = sd.var(blocksName(weightName), Nd4j.zeros(w.dataType(), blocks.size(), l, l)); // [nb, l, l]
        return w.add(delta(sd, b, blocks, in, out)); // [out, in]
    }

    /**
     * ΔW {@code [out, in]} placed from the blocks by a constant one-hot matmul ({@code [(out/l)·(in/l), nb]} times the
     * flattened blocks) and a reshape/permute.
     */
    private SDVariable delta(SameDiff sd, SDVariable b, List<Block> blocks, int in, int out) {
        int rows = out / l;
        int cols = in / l;
        INDArray where = Nd4j.zeros(b.dataType(), rows * cols, blocks.size()); // [(out/l)·(in/l), nb]
        for (int k = 0; k < blocks.size(); k++) {
            where.putScalar((long) blocks.get(k).rowBlock() * cols + blocks.get(k).colBlock(), k, 1.0);
        }
        SDVariable grid = sd.mmul(sd.constant(where), sd.reshape(b, blocks.size(), l * l)); // [(out/l)·(in/l), l·l]
        return sd.reshape(sd.permute(sd.reshape(grid, rows, cols, l, l), 0, 2, 1, 3), out, in); // [out, in]
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
