package dev.sinter.trainers.smt;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.family.Projection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SMT block scoring and selection (papers.md §2.1): each accumulated gradient {@code G [out, in]} is cut into
 * {@code l × l} blocks, each block is scored, and the top-n blocks are kept, globally (one ranking over the group's
 * matrices, the paper's {@code no_restriction}) or per matrix ({@code norm_dist}). With {@code budgets: separate}
 * (the official code) the attention matrices (q, k, v, o) and the feed-forward ones (gate, up, down, of dense MLPs,
 * every MoE expert and the residual MLP alike) are two groups with their own budgets; with {@code shared} they are
 * one. Ties break by matrix order, then row, then column, so the selection is deterministic.
 */
public final class BlockSelector {
    private final SmtTrainerConfig cfg;

    public BlockSelector(SmtTrainerConfig cfg) {
        this.cfg = cfg;
    }

    /** Blocks the attention group (or, with shared budgets, every target) gets in a model of {@code totalParameters}. */
    public int blockCount(long totalParameters) {
        return count(cfg.numBlocks(), cfg.budget(), totalParameters);
    }

    /** Blocks the MLP group gets with separate budgets: its own setting, else the same as the attention group's. */
    public int mlpBlockCount(long totalParameters) {
        return cfg.mlpNumBlocks() == null && cfg.mlpBudget() == null ? blockCount(totalParameters)
                : count(cfg.mlpNumBlocks(), cfg.mlpBudget(), totalParameters);
    }

    private int count(Integer blocks, Double fraction, long totalParameters) {
        if (blocks != null) {
            return blocks;
        }
        long l2 = (long) cfg.blockSize() * cfg.blockSize();
        return (int) Math.max(1, Math.floor(fraction * totalParameters / l2));
    }

    /**
     * Selects blocks from the signed gradient sums, group by group (attention first).
     *
     * @param gradients       matrix name → accumulated gradient {@code [out, in]}, in a stable order
     * @param projections     matrix name → its projection (role, layer, site)
     * @param totalParameters the model's parameter count (budgets given as fractions)
     */
    public List<Block> select(Map<String, INDArray> gradients, Map<String, Projection> projections,
                              long totalParameters) {
        if (cfg.budgets().equals(SmtTrainerConfig.SHARED)) {
            return select(gradients, projections, blockCount(totalParameters), "");
        }
        List<Block> out = new ArrayList<>();
        for (boolean attention : new boolean[]{true, false}) {
            Map<String, INDArray> group = new LinkedHashMap<>();
            gradients.forEach((name, g) -> {
                if (projections.get(name).isAttention() == attention) {
                    group.put(name, g);
                }
            });
            if (!group.isEmpty()) {
                int n = attention ? blockCount(totalParameters) : mlpBlockCount(totalParameters);
                out.addAll(select(group, projections, n, attention ? " for the attention group" : " for the MLP group"));
            }
        }
        return out;
    }

    /** Top-n of one group of matrices: globally, or n per matrix. */
    List<Block> select(Map<String, INDArray> gradients, Map<String, Projection> projections, int n, String group) {
        List<Block> all = new ArrayList<>();
        List<String> order = new ArrayList<>(gradients.keySet());
        boolean perMatrix = cfg.selection().equals("per_matrix");
        for (String name : order) {
            List<Block> blocks = score(projections.get(name), gradients.get(name));
            all.addAll(perMatrix ? top(blocks, n, order) : blocks);
        }
        if (!perMatrix && n > all.size()) {
            throw new UsageException("trainer.num_blocks/budget asks for " + n + " blocks" + group + " but its target"
                    + " matrices hold only " + all.size() + "; lower the budget or add targets");
        }
        return perMatrix ? all : top(all, n, order);
    }

    private static List<Block> top(List<Block> blocks, int n, List<String> matrixOrder) {
        Comparator<Block> byScore = Comparator.comparingDouble(Block::score).reversed()
                .thenComparingInt(b -> matrixOrder.indexOf(b.matrix()))
                .thenComparingInt(Block::rowBlock).thenComparingInt(Block::colBlock);
        return blocks.stream().sorted(byScore).limit(n).toList();
    }

    /** Scores every block of one matrix. */
    List<Block> score(Projection p, INDArray g) {
        int l = cfg.blockSize();
        int rows = (int) g.size(0) / l;
        int cols = (int) g.size(1) / l;
        double[][] m = g.castTo(DataType.DOUBLE).toDoubleMatrix();
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
                    case "mean_abs" -> Math.abs(sum / count); // official default: |mean G| over the block
                    case "abs_mean" -> abs / count; // the paper's text: mean |G|
                    case "l1" -> abs;
                    case "l2" -> Math.sqrt(sq);
                    default -> throw new IllegalStateException(cfg.score());
                };
                out.add(new Block(p.weight(), p.role(), p.layer(), r, c, s, p.location()));
            }
        }
        return out;
    }
}
