package dev.sinter.distributed.eval;

import dev.sinter.distributed.SparkSessions;
import dev.sinter.distributed.WorkerThreads;
import dev.sinter.eval.lm.BatchScorer;
import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.lm.SinterLanguageModel;
import dev.sinter.eval.lm.SinterLanguageModel.TokenRequest;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link BatchScorer} on the cores of this machine ({@code distributed.engine: threads}): {@code workers} copies of
 * the model, each on its own long-lived thread of this JVM with one ND4J thread, and no Spark job or serialization.
 * Worker 0 holds the caller's model; the others load theirs from {@code modelPath} on their own thread, and each copy's
 * parameters must equal the caller's model exactly.
 *
 * <p>The workers take the batches in order from a shared counter, each the next one not yet taken as soon as it is
 * free: the batches come longest first, so fixed slices would leave the first worker the longest ones. Which copy
 * scores a batch changes nothing, since {@link SinterLanguageModel#scoreBatch} depends only on the batch and the
 * parameters; the results come back in batch order, bit for bit those of one process, and progress advances on the
 * calling thread by each batch's size as that batch is done.
 *
 * <p>SameDiff keeps a session (and Sinter's array pool) per graph and thread, so every copy runs only on its own
 * thread; {@link #score} blocks, so the caller does not run worker 0's model meanwhile. Creating a scorer caps ND4J's
 * op threads in this JVM at one ({@link SparkSessions#oneThreadPerReplica}). Close it to stop the threads.
 */
public final class ThreadBatchScorer implements BatchScorer, AutoCloseable {
    private final WorkerThreads threads;
    private final List<TransformerModel> models; // models.get(w) runs only on worker w's thread

    /**
     * Starts the workers and loads the copies (in parallel, each on its worker's thread).
     *
     * @param model     worker 0's model, which the caller loaded from {@code modelPath} and has not changed since
     * @param modelPath the model as {@link ModelIO#load} reads it, for workers 1 … {@code workers - 1}
     * @throws UncheckedIOException  if a copy cannot be loaded
     * @throws IllegalStateException if a copy's parameters differ from {@code model}'s
     */
    public ThreadBatchScorer(TransformerModel model, Path modelPath, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        threads = new WorkerThreads("sinter-scorer", workers);
        try {
            models = threads.onEvery(w -> {
                SparkSessions.oneThreadPerReplica();
                if (w == 0) {
                    return model;
                }
                TransformerModel copy = load(modelPath);
                checkSameParameters(copy, model, modelPath, w);
                return copy;
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public int workers() {
        return threads.size();
    }

    @Override
    public List<List<Loglikelihood>> score(List<List<TokenRequest>> batches, Progress progress) {
        int n = batches.size();
        @SuppressWarnings("unchecked")
        List<Loglikelihood>[] out = new List[n]; // slot k written by the worker that scored batch k
        BlockingQueue<Integer> done = new LinkedBlockingQueue<>(); // indices of scored batches; -1: a worker stopped
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < Math.min(workers(), n); w++) {
            TransformerModel model = models.get(w);
            running.add(threads.submit(w, () -> {
                try {
                    for (int k = next.getAndIncrement(); k < n; k = next.getAndIncrement()) {
                        out[k] = SinterLanguageModel.scoreBatch(model, batches.get(k));
                        done.add(k); // publishes out[k] to the calling thread
                    }
                } catch (RuntimeException | Error e) {
                    next.set(n); // the others take no new batch
                    throw e;
                } finally {
                    done.add(-1);
                }
                return null;
            }));
        }
        try {
            int stopped = 0;
            for (int scored = 0; scored < n && stopped < running.size(); ) {
                int k = done.take();
                if (k < 0) {
                    stopped++; // no batch left for that worker, or it failed: its future tells below
                } else {
                    progress.advance(batches.get(k).size());
                    scored++;
                }
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the workers score", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return Arrays.asList(out);
    }

    /** Stops the worker threads (a running {@link #score} finishes first). */
    @Override
    public void close() {
        threads.close();
    }

    /** A worker's copy of the model. */
    private static TransformerModel load(Path modelPath) {
        try {
            return ModelIO.load(modelPath);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load a scoring worker's model: " + e.getMessage(), e);
        }
    }

    /** Fails unless {@code copy} has {@code model}'s parameters with exactly its values. */
    private static void checkSameParameters(TransformerModel copy, TransformerModel model, Path path, int worker) {
        if (!copy.parameterNames().equals(model.parameterNames())) {
            throw new IllegalStateException("worker " + worker + "'s copy from " + path + " has other parameters than"
                    + " the model being evaluated");
        }
        for (String name : model.parameterNames()) {
            INDArray a = copy.graph().getArrForVarName(name);
            INDArray b = model.graph().getArrForVarName(name);
            if (!Arrays.equals(a.shape(), b.shape()) || a.dataType() != b.dataType() || a.neq(b).any()) {
                throw new IllegalStateException("worker " + worker + "'s copy from " + path + " differs from the"
                        + " model being evaluated in " + name + ": pass the path the model was loaded from");
            }
        }
    }
}
