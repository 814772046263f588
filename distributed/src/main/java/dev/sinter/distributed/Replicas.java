package dev.sinter.distributed;

import dev.sinter.framework.train.StepGradients;
import dev.sinter.trainers.Replica;
import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The replicas held by this JVM (an executor's, or the driver's in local mode), one per worker index, each with its
 * own thread. A replica is built from its loop's {@link ReplicaSeed} on first use and whenever the cached one belongs
 * to another engine (a new phase or run); a lost executor's replacement simply builds it again, and since every step
 * sends all trainable values, the rebuilt replica computes what the lost one would have.
 *
 * <p>The own thread: SameDiff keeps a session (and Sinter's array pool) per graph and thread, and Spark runs a
 * worker's tasks on whichever pool thread is free; passes always on the replica's thread keep one session per replica.
 */
final class Replicas {
    private static final Map<Integer, Held> HELD = new ConcurrentHashMap<>();

    private record Held(String engineId, Replica replica, ExecutorService thread) {
    }

    private Replicas() {
    }

    /** Worker {@code worker}'s sums for {@code input}, computed on its replica of {@code seed}'s loop. */
    static WorkerSums compute(ReplicaSeed seed, StepInput input, int worker) {
        Held held = HELD.compute(worker, (w, old) -> old != null && old.engineId().equals(seed.engineId()) ? old
                : replace(old, seed, w));
        try {
            WorkerSums sums = held.thread().submit(() -> computeOn(held.replica(), seed, input, worker)).get();
            TaskFaults.maybeFail(input.step(), worker); // after the passes: the work of a lost task is lost
            return sums;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("worker " + worker + " interrupted at step " + input.step(), e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** Drops the replicas of engines whose id starts with {@code runId} (the run is over). */
    static void release(String runId) {
        HELD.entrySet().removeIf(e -> {
            boolean ours = e.getValue().engineId().startsWith(runId);
            if (ours) {
                e.getValue().thread().shutdown();
            }
            return ours;
        });
    }

    private static Held replace(Held old, ReplicaSeed seed, int worker) {
        if (old != null) {
            old.thread().shutdown();
        }
        SparkSessions.oneThreadPerReplica();
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sinter-replica-" + worker);
            t.setDaemon(true);
            return t;
        });
        try {
            Replica replica = thread.submit(() -> {
                RunConfig config = RunConfig.loadString(seed.configYaml(), "distributed run config", List.of());
                return Replica.build(config, seed.files());
            }).get();
            if (!replica.trainable().equals(seed.trainable())) {
                throw new IllegalStateException("worker " + worker + "'s replica trains " + replica.trainable().size()
                        + " variables, the driver " + seed.trainable().size() + ": the seed checkpoint did not"
                        + " reproduce the driver's model");
            }
            return new Held(seed.engineId(), replica, thread);
        } catch (InterruptedException e) {
            thread.shutdown();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building worker " + worker + "'s replica", e);
        } catch (ExecutionException e) {
            thread.shutdown();
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new UncheckedIOException("cannot build worker " + worker + "'s replica: " + io.getMessage(), io);
            }
            throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
        }
    }

    private static WorkerSums computeOn(Replica replica, ReplicaSeed seed, StepInput input, int worker) {
        long t0 = System.nanoTime();
        List<String> names = seed.trainable();
        for (int i = 0; i < names.size(); i++) {
            replica.assign(names.get(i), input.parameters()[i]);
        }
        int first = input.firstMicro(worker);
        StepGradients.Sums sums = replica.compute(input.step(),
                input.microBatches().subList(first, first + input.perWorker()), first);
        float[][] grads = new float[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            grads[i] = Arrays32.flat(sums.gradients().get(names.get(i)));
        }
        List<String> metricNames = List.copyOf(sums.metrics().keySet());
        float[][] metrics = new float[metricNames.size()][];
        long[][] shapes = new long[metricNames.size()][];
        for (int i = 0; i < metricNames.size(); i++) {
            metrics[i] = Arrays32.flat(sums.metrics().get(metricNames.get(i)));
            shapes[i] = sums.metrics().get(metricNames.get(i)).shape();
        }
        long nanos = System.nanoTime() - t0;
        return new WorkerSums(worker, sums.loss(), metricNames.toArray(String[]::new), metrics, shapes, grads, nanos);
    }
}
