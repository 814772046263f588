package dev.sinter.trainers.smt;

import dev.sinter.trainers.smt.SmtTrainerConfig;
import dev.sinter.framework.config.UsageException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SMT block scoring and selection (papers.md §2.1): each accumulated gradient {@code G [out, in]} is cut into
 * {@code l × l} blocks, each block is scored, and the top-n blocks are kept, globally (one ranking over every target
 * matrix, the paper's {@code no_restriction}) or per matrix ({@code norm_dist}). Ties break by matrix order, then
 * row, then column, so the selection is deterministic.
 */
public final class BlockSelector {
    private final SmtTrainerConfig cfg;

    public BlockSelector(SmtTrainerConfig cfg) {
        this.cfg = cfg;
    }

    /** Number of blocks to select for a model of {@code totalParameters}. */
    public int blockCount(long totalParameters) {
        if (cfg.numBlocks() != null) {
            return cfg.numBlocks();
        }
        long l2 = (long) cfg.blockSize() * cfg.blockSize();
        return (int) Math.max(1, Math.floor(cfg.budget() * totalParameters / l2));
    }

    /**
     * Selects blocks from the signed gradient sums.
     *
     * @param gradients matrix name → accumulated gradient {@code [out, in]}, in a stable order
     * @param targets   matrix name → target type (q, k, …)
     * @param layers    matrix name → layer index
     * @param n         blocks to select (globally, or per matrix)
     */
    public List<Block> select(Map<String, INDArray> gradients, Map<String, String> targets, Map<String, Integer> layers,
                              int n) {
        List<Block> all = new ArrayList<>();
        List<String> order = new ArrayList<>(gradients.keySet());
        for (String name : order) {
            List<Block> blocks = score(name, targets.get(name), layers.get(name), gradients.get(name));
            if (cfg.selection().equals("per_matrix")) {
                all.addAll(top(blocks, n, order));
            } else {
                all.addAll(blocks);
            }
        }
        List<Block> chosen = cfg.selection().equals("per_matrix") ? all : top(all, n, order);
        if (cfg.selection().equals("global") && n > all.size()) {
            throw new UsageException("trainer.num_blocks/budget asks for " + n + " blocks but the target"
                    + " matrices hold only " + all.size() + "; lower the budget or add targets");
        }
        return chosen;
    }

    private static List<Block> top(List<Block> blocks, int n, List<String> matrixOrder) {
        Comparator<Block> byScore = Comparator.comparingDouble(Block::score).reversed()
                .thenComparingInt(b -> matrixOrder.indexOf(b.matrix()))
                .thenComparingInt(Block::rowBlock).thenComparingInt(Block::colBlock);
        return blocks.stream().sorted(byScore).limit(n).toList();
    }

    /** Scores every block of one matrix. */
    List<Block> score(String name, String target, int layer, INDArray g) {
        int l = cfg.blockSize();
        int rows = (int) g.size(0) / l;
        int cols = (int) g.size(1) / l;
        double[][] m = g.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleMatrix();
        List<Block> out = new ArrayList<>(rows * cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double sum = 0;
                double abs = 0;
                double sq = 0;
                for (int i = r * l; i < (r + 1) * l; i++) {
                    for (int j = c * l; j < (c + 1) * l; j++) {
                        double v = m[i][j];
                        sum += v;
                        abs += Math.abs(v);
                        sq += v * v;
                    }
                }
                double count = (double) l * l;
                double s = switch (cfg.score()) {
                    case "abs_mean" -> abs / count; // SMT §2.1: mean |G| over the block
                    case "mean_abs" -> Math.abs(sum / count);
                    case "l1" -> abs;
                    case "l2" -> Math.sqrt(sq);
                    default -> throw new IllegalStateException(cfg.score());
                };
                out.add(new Block(name, target, layer, r, c, s));
            }
        }
        return out;
    }
}
