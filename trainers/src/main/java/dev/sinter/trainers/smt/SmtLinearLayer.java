package dev.sinter.trainers.smt;

import dev.sinter.models.transformer.LinearLayer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The block-sparse projection of SMT's second phase: {@code y = x·W0ᵀ + Σ_k scatter_rows(B_k · x[:, cols_k]ᵀ)}.
 *
 * <p>W0 is frozen with the selected blocks zeroed; the blocks live in one trainable variable
 * {@code <module>.smt_blocks} {@code [nb, l, l]}. The selected column slices of {@code xᵀ} are gathered at once
 * ({@code [nb, l, N]}), multiplied by the blocks in one batched {@code mmul}, and segment-summed into the output rows.
 * Autodiff therefore forms only the {@code [nb, l, l]} block gradients: no dense gradient of W0 is ever requested.
 */
final class SmtLinearLayer implements LinearLayer {
    private final int l;
    private final Map<String, List<Block>> byMatrix;

    SmtLinearLayer(List<Block> selection, int blockSize) {
        this.l = blockSize;
        this.byMatrix = selection.stream().collect(Collectors.groupingBy(Block::matrix, LinkedHashMap::new,
                Collectors.toList()));
    }

    /** Name of the trainable block variable of a weight. */
    static String blocksName(String weightName) {
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
        int nb = blocks.size();
        int out = (int) w.getArr().size(0);
        int in = (int) w.getArr().size(1);
        int[] cols = new int[nb];
        int[] rows = new int[nb * l];
        for (int k = 0; k < nb; k++) {
            cols[k] = blocks.get(k).colBlock();
            for (int a = 0; a < l; a++) {
                rows[k * l + a] = blocks.get(k).rowBlock() * l + a;
            }
        }
        SDVariable b = sd.var(blocksName(weightName), Nd4j.zeros(w.dataType(), nb, l, l)); // [nb, l, l]
        SDVariable xt = sd.reshape(sd.permute(x, 1, 0), in / l, l, -1); // [in/l, l, N]
        SDVariable slices = sd.gather(xt, sd.constant(Nd4j.createFromArray(cols)), 0); // [nb, l, N]
        SDVariable yb = sd.reshape(sd.mmul(b, slices), nb * l, -1); // [nb·l, N]
        SDVariable rowsOut = sd.unsortedSegmentSum(yb, sd.constant(Nd4j.createFromArray(rows)), out); // [out, N]
        return base.add(sd.permute(rowsOut, 1, 0)); // [N, out]
    }

    /** Moves the selected blocks of the dense weights into block tensors and zeroes them in place in W0. */
    Map<String, INDArray> extractBlocks(Map<String, INDArray> dense) {
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
    Map<String, INDArray> writeBack(Map<String, INDArray> w0, java.util.function.Function<String, INDArray> blocks) {
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
