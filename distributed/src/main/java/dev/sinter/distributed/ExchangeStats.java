package dev.sinter.distributed;

import java.util.ArrayList;
import java.util.List;

/**
 * Timing of a data-parallel run's steps on the driver, step by step: the whole gradient computation of each step
 * (hand out the parameters, the workers' passes, sum the results) and, of that, the part outside the slowest worker's
 * passes: the exchange overhead (Spark: serialization, broadcast, scheduling, summing; threads: setting the replicas'
 * values and summing; the first step of each phase also builds the replicas).
 */
public final class ExchangeStats {
    private final List<Double> gradientMillis = new ArrayList<>();
    private final List<Double> exchangeMillis = new ArrayList<>();

    synchronized void add(long wallNanos, long slowestComputeNanos) {
        gradientMillis.add(wallNanos / 1e6);
        exchangeMillis.add((wallNanos - slowestComputeNanos) / 1e6);
    }

    /** Steps measured. */
    public synchronized int steps() {
        return gradientMillis.size();
    }

    /** Per step: milliseconds from handing out the micro-batches to having the summed gradients. */
    public synchronized List<Double> gradientMillis() {
        return List.copyOf(gradientMillis);
    }

    /** Per step: milliseconds of {@link #gradientMillis()} spent outside the slowest worker's passes. */
    public synchronized List<Double> exchangeMillis() {
        return List.copyOf(exchangeMillis);
    }
}
