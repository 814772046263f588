package dev.sinter.distributed;

/**
 * Timing of a data-parallel run's steps on the driver: the whole gradient computation of each step (pack the
 * parameters, the Spark job, sum the results) against the slowest worker's passes; the difference is the exchange
 * overhead (serialization, broadcast, scheduling, summing).
 */
public final class ExchangeStats {
    private long steps;
    private long stepNanos;
    private long computeNanos;

    synchronized void add(long wallNanos, long slowestComputeNanos) {
        steps++;
        stepNanos += wallNanos;
        computeNanos += slowestComputeNanos;
    }

    /** Steps measured. */
    public synchronized long steps() {
        return steps;
    }

    /** Mean milliseconds per step from handing out the micro-batches to having the summed gradients. */
    public synchronized double gradientMillisPerStep() {
        return steps == 0 ? Double.NaN : stepNanos / 1e6 / steps;
    }

    /** Mean milliseconds per step of that spent outside the slowest worker's passes. */
    public synchronized double exchangeMillisPerStep() {
        return steps == 0 ? Double.NaN : (stepNanos - computeNanos) / 1e6 / steps;
    }
}
