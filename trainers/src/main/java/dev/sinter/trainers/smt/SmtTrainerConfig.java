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
 * The defaults follow the official code: {@code mean_abs} scores, separate attention and MLP budgets, and a new
 * learning-rate schedule from {@code smt_lr} at the switch.
 *
 * @param warmupSteps    full fine-tuning steps before selection (paper: 100)
 * @param blockSize      block edge l (paper: 256); must divide every target matrix dimension
 * @param score          block score: mean_abs (|mean G|, the official default), abs_mean (mean |G|), l1, l2
 * @param numBlocks      blocks to select (exclusive with budget); per group with {@code budgets: separate}
 * @param budget         fraction of the model's parameters to train, in (0, 1]: blocks = ⌊budget·params / l²⌋; per
 *                       group with {@code budgets: separate}
 * @param selection      global (one top-n over the group's matrices, the paper's default) or per_matrix (top-n each)
 * @param targets        matrices to score, any of q,k,v,o,gate,up,down (paper's final recipe: q, k, v); in MoE layers
 *                       gate/up/down reach every expert and the residual MLP
 * @param budgets        separate (attention q/k/v/o and MLP gate/up/down each get their own budget and ranking, the
 *                       official code) or shared (one budget, one ranking over every target, the official
 *                       {@code no_limit_mixture})
 * @param mlpNumBlocks   separate budgets only: the MLP group's blocks, when they differ from {@code num_blocks}/
 *                       {@code budget} (exclusive with mlp_budget)
 * @param mlpBudget      separate budgets only: the MLP group's fraction of the parameters
 * @param schedule       restart (the sparse phase gets a new optimizer and a new schedule, warm-up + cosine from
 *                       {@code smt_lr} over the remaining steps, as the official code) or continue (the run's schedule
 *                       goes on through the switch)
 * @param smtLr          restart only: peak learning rate of the sparse phase (null: {@code training.lr}, as the
 *                       official code's comment says all paper results used {@code ft_learning_rate = smt_lr}; its
 *                       argparse default is 5e-5)
 * @param smtWarmupSteps restart only: warm-up steps of the sparse phase's schedule (official: 0)
 */
public record SmtTrainerConfig(int warmupSteps, int blockSize, String score, Integer numBlocks, Double budget,
                               String selection, List<String> targets, String budgets, Integer mlpNumBlocks,
                               Double mlpBudget, String schedule, Double smtLr, int smtWarmupSteps)
        implements TrainerConfig, ChecksArchitecture {
    public static final String TYPE = "smt";
    public static final String SEPARATE = "separate";
    public static final String SHARED = "shared";
    public static final String RESTART = "restart";
    public static final String CONTINUE = "continue";

    public SmtTrainerConfig {
        Checks.positive("warmup_steps", warmupSteps);
        Checks.positive("block_size", blockSize);
        Checks.oneOf("score", score, "abs_mean", "mean_abs", "l1", "l2");
        Checks.oneOf("selection", selection, "global", "per_matrix");
        Checks.oneOf("budgets", budgets, SEPARATE, SHARED);
        Checks.oneOf("schedule", schedule, RESTART, CONTINUE);
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
        if ((mlpNumBlocks != null || mlpBudget != null) && budgets.equals(SHARED)) {
            throw new IllegalArgumentException("mlp_num_blocks/mlp_budget need budgets: separate (with budgets: shared"
                    + " one num_blocks/budget covers every target)");
        }
        if (mlpNumBlocks != null && mlpBudget != null) {
            throw new IllegalArgumentException("mlp_num_blocks and mlp_budget are exclusive; set one of them");
        }
        if (mlpNumBlocks != null) {
            Checks.positive("mlp_num_blocks", mlpNumBlocks);
        }
        if (mlpBudget != null) {
            Checks.inRangeOpenLow("mlp_budget", mlpBudget, 0, 1);
        }
        if (schedule.equals(CONTINUE) && (smtLr != null || smtWarmupSteps != 0)) {
            throw new IllegalArgumentException("smt_lr/smt_warmup_steps need schedule: restart (with schedule: continue"
                    + " the run's schedule goes on through the switch)");
        }
        if (smtLr != null) {
            Checks.positive("smt_lr", smtLr);
        }
        Checks.nonNegative("smt_warmup_steps", smtWarmupSteps);
    }

    /**
     * Binds the YAML section; defaults: warmup 100, block 256, mean_abs, global, targets [q, k, v], budgets separate,
     * schedule restart with smt_lr = training.lr and no warm-up.
     */
    @JsonCreator
    public static SmtTrainerConfig of(@JsonProperty("warmup_steps") Integer warmupSteps,
                                      @JsonProperty("block_size") Integer blockSize,
                                      @JsonProperty("score") String score,
                                      @JsonProperty("num_blocks") Integer numBlocks,
                                      @JsonProperty("budget") Double budget,
                                      @JsonProperty("selection") String selection,
                                      @JsonProperty("targets") List<String> targets,
                                      @JsonProperty("budgets") String budgets,
                                      @JsonProperty("mlp_num_blocks") Integer mlpNumBlocks,
                                      @JsonProperty("mlp_budget") Double mlpBudget,
                                      @JsonProperty("schedule") String schedule,
                                      @JsonProperty("smt_lr") Double smtLr,
                                      @JsonProperty("smt_warmup_steps") Integer smtWarmupSteps) {
        return new SmtTrainerConfig(requireNonNullElse(warmupSteps, 100), requireNonNullElse(blockSize, 256),
                requireNonNullElse(score, "mean_abs"), numBlocks, budget, requireNonNullElse(selection, "global"),
                requireNonNullElse(targets, List.of("q", "k", "v")), requireNonNullElse(budgets, SEPARATE),
                mlpNumBlocks, mlpBudget, requireNonNullElse(schedule, RESTART), smtLr,
                requireNonNullElse(smtWarmupSteps, 0));
    }

    /** The defaults with the given block settings (tests, examples). */
    public static SmtTrainerConfig of(int warmupSteps, int blockSize, String score, Integer numBlocks, Double budget,
                                      String selection, List<String> targets) {
        return of(warmupSteps, blockSize, score, numBlocks, budget, selection, targets, null, null, null, null, null,
                null);
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
