package dev.sinter.distributed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One long-lived daemon thread per worker ({@code <prefix>-<w>}), as the threads engines need them: SameDiff keeps a
 * session (and Sinter's array pool) per graph and thread, so a worker's model must always run on the same thread.
 */
public final class WorkerThreads implements AutoCloseable {
    private final List<ExecutorService> threads = new ArrayList<>();

    /** Work of one worker, given its index. */
    @FunctionalInterface
    public interface WorkerJob<T> {
        T run(int worker) throws Exception;
    }

    /** Starts {@code workers} threads named {@code prefix-0 … prefix-(workers-1)}. */
    public WorkerThreads(String prefix, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        for (int w = 0; w < workers; w++) {
            String name = prefix + "-" + w;
            threads.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            }));
        }
    }

    public int size() {
        return threads.size();
    }

    /** Runs {@code task} on worker {@code worker}'s thread. */
    public <T> Future<T> submit(int worker, Callable<T> task) {
        return threads.get(worker).submit(task);
    }

    /**
     * Runs {@code job} on every worker's thread at once and returns the results in worker order; a job's unchecked
     * exception is rethrown as it is, a checked one wrapped in an {@link IllegalStateException}.
     */
    public <T> List<T> onEvery(WorkerJob<T> job) {
        List<Future<T>> futures = new ArrayList<>();
        for (int w = 0; w < threads.size(); w++) {
            int worker = w;
            futures.add(threads.get(w).submit(() -> job.run(worker)));
        }
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(await(f));
        }
        return out;
    }

    /** The result of {@code f}, with its unchecked exception rethrown as it is. */
    public static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a worker", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** Stops the threads (work already submitted finishes first). */
    @Override
    public void close() {
        threads.forEach(ExecutorService::shutdown);
    }
}
