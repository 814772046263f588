package dev.sinter.trainers.smt;

import dev.sinter.trainers.ChecksArchitecture;
import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.models.family.Projection;
import dev.sinter.trainers.TargetModules;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * Trainer {@code type: smt}: Sparse Matrix Tuning (papers.md §2.1). Full fine-tuning for {@code warmup_steps} while
 * summing the signed gradients of the target matrices, then only the top-scoring {@code block_size²} blocks train.
 *
 * @param warmupSteps full fine-tuning steps before selection (paper: 100)
 * @param blockSize   block edge l (paper: 256); must divide every target matrix dimension
 * @param score       block score: abs_mean (mean |G|, paper default), mean_abs (|mean G|), l1, l2
 * @param numBlocks   number of blocks to select (exclusive with budget)
 * @param budget      fraction of the model's parameters to train, in (0, 1]: blocks = ⌊budget·params / l²⌋
 * @param selection   global (one top-n over all target matrices, the paper's default) or per_matrix (top-n each)
 * @param targets     matrices to score, any of q,k,v,o,gate,up,down (paper's final recipe: q, k, v)
 */
public record SmtTrainerConfig(int warmupSteps, int blockSize, String score, Integer numBlocks, Double budget,
                               String selection, List<String> targets) implements TrainerConfig, ChecksArchitecture {
    public static final String TYPE = "smt";

    public SmtTrainerConfig {
        Checks.positive("warmup_steps", warmupSteps);
        Checks.positive("block_size", blockSize);
        Checks.oneOf("score", score, "abs_mean", "mean_abs", "l1", "l2");
        Checks.oneOf("selection", selection, "global", "per_matrix");
        targets = TargetModules.check("targets", targets);
        if ((numBlocks == null) == (budget == null)) {
            throw new IllegalArgumentException("budget or num_blocks must be set (exactly one of them)");
        }
        if (numBlocks != null) {
            Checks.positive("num_blocks", numBlocks);
        }
        if (budget != null) {
            Checks.inRangeOpenLow("budget", budget, 0, 1);
        }
    }

    /** Binds the YAML section; defaults: warmup 100, block 256, abs_mean, global, targets [q, k, v]. */
    @JsonCreator
    public static SmtTrainerConfig of(@JsonProperty("warmup_steps") Integer warmupSteps,
                                      @JsonProperty("block_size") Integer blockSize,
                                      @JsonProperty("score") String score,
                                      @JsonProperty("num_blocks") Integer numBlocks,
                                      @JsonProperty("budget") Double budget,
                                      @JsonProperty("selection") String selection,
                                      @JsonProperty("targets") List<String> targets) {
        return new SmtTrainerConfig(requireNonNullElse(warmupSteps, 100), requireNonNullElse(blockSize, 256),
                requireNonNullElse(score, "abs_mean"), numBlocks, budget, requireNonNullElse(selection, "global"),
                requireNonNullElse(targets, List.of("q", "k", "v")));
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Checks the block size against the architecture's target matrices; throws with the offending matrix. */
    @Override
    public void checkAgainst(List<Projection> projections) {
        for (Projection p : Projection.inRoles(projections, targets)) {
            if (p.out() % blockSize != 0 || p.in() % blockSize != 0) {
                throw new IllegalArgumentException("block_size " + blockSize + " does not divide the " + p.role()
                        + " matrix " + p.weight() + " [" + p.out() + ", " + p.in()
                        + "]; choose a common divisor of its dimensions");
            }
        }
    }
}
