package dev.sinter.distributed;

import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainingRun;
import java.util.Set;

/**
 * Turns a {@link TrainingRun} with a {@code distributed:} section into a data-parallel one: checks the section
 * against the run before any work, then installs the section's engine: {@link ThreadDataParallel} for
 * {@code engine: threads} (no Spark session), or opens the Spark session and installs a {@link SparkDataParallel}.
 *
 * <p>Supported: language modelling with the {@code full}, {@code lora}, {@code smt}, {@code kd} and {@code mos}
 * trainers (dense or MoE models; MoE load metrics are summed over the workers like the micro-batches of one process;
 * each worker's replica loads the distillation teacher from {@code trainer.teacher}, so on a cluster that path must be
 * readable on every worker). {@code task:} runs have not been checked against one process: they are refused.
 */
public final class SparkTraining {
    /** The trainers whose distributed runs equal one process (tested in {@code DataParallelEqualityTest}). */
    public static final Set<String> TRAINERS = Set.of("full", "lora", "smt", "kd", "mos");

    private SparkTraining() {
    }

    /**
     * Validates {@code config.distributed} against the run, starts its engine (for {@code engine: spark}, starts or
     * reuses the Spark session) and makes {@code run} data-parallel; close the result when the run is over.
     */
    public static DistributedEngine attach(TrainingRun run, RunConfig config) {
        DistributedConfig d = config.distributed();
        if (d == null) {
            throw new IllegalArgumentException("run " + config.name() + " has no distributed: section");
        }
        check(config);
        DistributedEngine engine = d.isThreads() ? new ThreadDataParallel(d.workers()) : new SparkDataParallel(
                SparkSessions.context(SparkSessions.open(d, "sinter " + config.name())), d.workers(), d.isLocal());
        run.distributeWith(engine);
        return engine;
    }

    /** The run settings distributed training does not support, as one line naming the key. */
    static void check(RunConfig config) {
        String trainer = config.trainer().type();
        if (!TRAINERS.contains(trainer)) {
            throw new UsageException("distributed training supports trainer.type full, lora, smt, kd and mos, not '"
                    + trainer + "'; remove the distributed: section to train " + trainer + " in one process");
        }
        if (config.task() != null) {
            throw new UsageException("distributed training supports language modelling only, not task "
                    + config.task().type() + "; remove the distributed: section to train it in one process");
        }
    }
}
