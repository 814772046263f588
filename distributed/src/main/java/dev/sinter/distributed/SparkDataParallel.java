package dev.sinter.distributed;

import dev.sinter.framework.train.StepGradients;
import dev.sinter.trainers.ReplicaSource;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Synchronous data parallelism on Spark for one run: each training loop (phase) of the run gets a
 * {@link SparkStepGradients} over {@code workers} replicas. {@link #close()} drops the run's replicas and broadcasts.
 */
public final class SparkDataParallel implements DistributedEngine {
    private final JavaSparkContext spark;
    private final int workers;
    private final boolean inProcess;
    private final String runId = UUID.randomUUID().toString();
    private final ExchangeStats stats = new ExchangeStats();
    private final List<SparkStepGradients> engines = new ArrayList<>();

    /**
     * @param inProcess whether the workers run in this JVM (a local master): step inputs and sums then skip
     *                  serialization ({@link LocalHandoff})
     */
    public SparkDataParallel(JavaSparkContext spark, int workers, boolean inProcess) {
        this.spark = spark;
        this.workers = workers;
        this.inProcess = inProcess;
    }

    @Override
    public synchronized StepGradients engine(ReplicaSource source) {
        engines.forEach(SparkStepGradients::release); // an earlier phase's replicas are replaced on first use
        SparkStepGradients engine = new SparkStepGradients(spark, source, runId + "/" + engines.size(), workers, stats,
                inProcess);
        engines.add(engine);
        return engine;
    }

    @Override
    public ExchangeStats stats() {
        return stats;
    }

    /** Drops the replicas (a job with a task per worker, in case they are on executors) and the seeds. */
    @Override
    public synchronized void close() {
        engines.forEach(SparkStepGradients::release);
        engines.clear();
        if (!spark.sc().isStopped()) {
            String id = runId;
            spark.parallelize(IntStream.range(0, workers).boxed().toList(), workers)
                    .foreach(w -> Replicas.release(id));
        }
        Replicas.release(runId); // the driver's own (local mode), whichever tasks ran where
    }
}
