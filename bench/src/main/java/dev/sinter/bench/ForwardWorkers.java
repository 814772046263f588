package dev.sinter.bench;

import dev.sinter.distributed.SparkSessions;
import dev.sinter.distributed.WorkerThreads;
import dev.sinter.models.transformer.TransformerModel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ModelBenchmark forward --workers N}: the calling thread's model plus N - 1 copies, each built and run on its
 * own long-lived thread (SameDiff keeps a session per graph and thread), as {@code sinter eval} with
 * {@code distributed.engine: threads} scores. A forward pass splits the batch evenly: rows {@code [w·B/N, (w+1)·B/N)}
 * go to worker {@code w}, worker 0 being the calling thread. With more than one worker, ND4J's op threads in this JVM
 * are capped at one, as the threads engine does.
 */
final class ForwardWorkers implements AutoCloseable {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private final List<ExecutorService> threads = new ArrayList<>();
    private final List<Future<TransformerModel>> copies = new ArrayList<>();

    /** Starts building the {@code workers - 1} copies with {@code build}, in parallel, each on its own thread. */
    ForwardWorkers(int workers, Callable<TransformerModel> build) {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        if (workers > 1) {
            SparkSessions.oneThreadPerReplica();
        }
        for (int w = 1; w < workers; w++) {
            String name = "bench-worker-" + w;
            ExecutorService t = Executors.newSingleThreadExecutor(r -> {
                Thread th = new Thread(r, name);
                th.setDaemon(true);
                return th;
            });
            threads.add(t);
            copies.add(t.submit(build));
        }
    }

    int workers() {
        return threads.size() + 1;
    }

    /** Waits until every copy is built. */
    void awaitBuilt() {
        copies.forEach(WorkerThreads::await);
    }

    /**
     * One forward pass of {@code ids} [B, T] split over the workers ({@code first} on the calling thread); returns the
     * largest thread CPU time of a worker in nanoseconds, the step's time if each worker had a core of its own.
     */
    long forward(TransformerModel first, int[][] ids) {
        if (ids.length % workers() != 0) {
            throw new IllegalArgumentException("--workers " + workers() + " must divide the batch " + ids.length);
        }
        int per = ids.length / workers();
        List<Future<Long>> others = new ArrayList<>();
        for (int w = 1; w < workers(); w++) {
            TransformerModel model = WorkerThreads.await(copies.get(w - 1));
            int[][] rows = Arrays.copyOfRange(ids, w * per, (w + 1) * per);
            others.add(threads.get(w - 1).submit(() -> cpuNanos(model, rows)));
        }
        long slowest = cpuNanos(first, Arrays.copyOf(ids, per));
        for (Future<Long> f : others) {
            slowest = Math.max(slowest, WorkerThreads.await(f));
        }
        return slowest;
    }

    /** This thread's CPU time for one forward pass, whose logits it keeps nothing of (like the twin). */
    private static long cpuNanos(TransformerModel model, int[][] rows) {
        long c = CPU.getCurrentThreadCpuTime();
        model.transientLogits(rows);
        return CPU.getCurrentThreadCpuTime() - c;
    }

    @Override
    public void close() {
        threads.forEach(ExecutorService::shutdown);
    }
}
