package dev.sinter.distributed;

import dev.sinter.framework.train.StepGradients;
import dev.sinter.trainers.Replica;
import dev.sinter.trainers.ReplicaSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Synchronous data parallelism on the cores of this machine ({@code distributed.engine: threads}): {@code workers}
 * replicas, each on its own long-lived thread of this JVM (one ND4J thread each), with no Spark job, serialization or
 * flat copy per step. Each step, worker {@code w}'s thread sets its replica's trainable variables to the driver's
 * current arrays (array to array), computes the sums of micro-batches {@code [w·k, (w+1)·k)} and waits; then the
 * workers add the sums into worker 0's arrays, each thread a share of the variables, every variable in worker order,
 * which is the order one process accumulates its micro-batches in.
 *
 * <p>Worker 0's gradient arrays become the step's sums without a copy: they are its replica's own (the pass's session
 * arrays with one micro-batch per worker, else the copies {@link dev.sinter.framework.train.ModelGradients} adds into)
 * and stay untouched until that replica's next pass, which comes after the driver's update, as in one process.
 *
 * <p>A failing pass fails the run (no retry: nothing is lost in one JVM that a retry would bring back); restart it
 * with {@code checkpoint.resume: auto} to continue from the newest checkpoint.
 */
public final class ThreadDataParallel implements DistributedEngine {
    private final int workers;
    private final WorkerThreads threads;
    private final ExchangeStats stats = new ExchangeStats();

    public ThreadDataParallel(int workers) {
        this.threads = new WorkerThreads("sinter-replica", workers);
        this.workers = workers;
    }

    /** A new loop (phase): its own replicas, built from the loop's model at its first step. */
    @Override
    public StepGradients engine(ReplicaSource source) {
        return new LoopReplicas(source);
    }

    @Override
    public ExchangeStats stats() {
        return stats;
    }

    /** One training loop's replicas (one per worker) and its step: a new phase gets new ones. */
    private final class LoopReplicas implements StepGradients {
        private final ReplicaSource source;
        private List<Replica> replicas = List.of();

        LoopReplicas(ReplicaSource source) {
            this.source = source;
        }

        @Override
        public synchronized StepGradients.Sums compute(long step, List<int[][]> microBatches, List<String> trainable) {
            long t0 = System.nanoTime();
            if (replicas.isEmpty()) { // the loop's first step: its model as it is now (fresh, resumed, a new phase's)
                replicas = build(step, trainable);
            }
            Map<String, INDArray> live = source.arrays(trainable);
            int per = microBatches.size() / workers;
            long[] computeNanos = new long[workers];
            List<StepGradients.Sums> sums = threads.onEvery(w -> {
                Replica replica = replicas.get(w);
                for (String n : trainable) {
                    replica.variable(n).assign(live.get(n)); // [same shape as the driver's]
                }
                long c0 = System.nanoTime(); // the passes; setting the values counts as exchange
                StepGradients.Sums s = replica.compute(step, microBatches.subList(w * per, (w + 1) * per), w * per);
                computeNanos[w] = System.nanoTime() - c0;
                return s;
            });
            Map<String, INDArray> grads = sums.get(0).gradients();
            threads.onEvery(w -> { // worker w adds up every workers-th variable: the threads share the additions
                for (int i = w; i < trainable.size(); i += workers) {
                    INDArray total = grads.get(trainable.get(i));
                    for (int k = 1; k < workers; k++) {
                        total.addi(sums.get(k).gradients().get(trainable.get(i)));
                    }
                }
                return null;
            });
            double loss = 0;
            Map<String, INDArray> metrics = new LinkedHashMap<>();
            for (StepGradients.Sums s : sums) { // worker order
                loss += s.loss();
                s.metrics().forEach((n, m) -> metrics.merge(n, m, INDArray::addi));
            }
            long slowest = 0;
            for (long c : computeNanos) {
                slowest = Math.max(slowest, c);
            }
            stats.add(System.nanoTime() - t0, slowest);
            return new StepGradients.Sums(loss, metrics, grads);
        }

        /** The loop's replicas, built in parallel, each on its own thread (SameDiff keeps a session per thread). */
        private List<Replica> build(long step, List<String> trainable) {
            Map<String, byte[]> seed = source.seedFiles(step - 1);
            List<Replica> built = threads.onEvery(w -> {
                SparkSessions.oneThreadPerReplica();
                try {
                    return Replica.build(source.config(), seed);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot build worker " + w + "'s replica: " + e.getMessage(), e);
                }
            });
            for (int w = 0; w < workers; w++) {
                if (!built.get(w).trainable().equals(trainable)) {
                    throw new IllegalStateException("worker " + w + "'s replica trains "
                            + built.get(w).trainable().size() + " variables, the driver " + trainable.size()
                            + ": the seed checkpoint did not reproduce the driver's model");
                }
            }
            return built;
        }
    }

    /** Stops the worker threads; the replicas go with the loops that hold them. */
    @Override
    public void close() {
        threads.close();
    }
}
