package dev.sinter.distributed;

import dev.sinter.trainers.DataParallel;

/**
 * A run's data-parallel engine as {@link SparkTraining#attach} installs it: {@link ThreadDataParallel} (replicas on
 * threads of this JVM) or {@link SparkDataParallel} (a Spark job per step). Close it when the run is over.
 */
public interface DistributedEngine extends DataParallel, AutoCloseable {
    /** Timing of the steps computed so far. */
    ExchangeStats stats();

    /** Drops the run's replicas and their threads. */
    @Override
    void close();
}
