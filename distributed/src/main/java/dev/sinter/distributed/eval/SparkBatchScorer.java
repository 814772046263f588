package dev.sinter.distributed.eval;

import dev.sinter.eval.lm.BatchScorer;
import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.lm.SinterLanguageModel;
import dev.sinter.eval.lm.SinterLanguageModel.TokenRequest;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A {@link BatchScorer} that spreads the batches {@link SinterLanguageModel#scoreTokens} formed over Spark workers:
 * contiguous runs of batches, one per worker, each worker scoring its batches with {@link SinterLanguageModel#scoreBatch}
 * on its own copy of the model (loaded from {@code modelPath}, which every worker must read). The driver tokenizes,
 * truncates, sorts and batches as one process does, so the results are bit for bit those of one process.
 */
public final class SparkBatchScorer implements BatchScorer {
    private final JavaSparkContext spark;
    private final String modelPath;
    private final int workers;

    /**
     * @param modelPath the model as {@link ModelIO#load} reads it (resolved: a checkpoint or HF directory, a .bin)
     * @param workers   how many tasks share the batches
     */
    public SparkBatchScorer(SparkSession spark, Path modelPath, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        this.spark = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.modelPath = modelPath.toAbsolutePath().toString();
        this.workers = workers;
    }

    @Override
    public List<List<Loglikelihood>> score(List<List<TokenRequest>> batches, Progress progress) {
        if (batches.isEmpty()) {
            return List.of();
        }
        List<Batch> jobs = new ArrayList<>(batches.size());
        for (List<TokenRequest> b : batches) {
            jobs.add(Batch.of(b));
        }
        String path = modelPath; // the task closure captures only this string
        List<Scores> scored = spark.parallelize(jobs, Math.min(workers, jobs.size()))
                .mapPartitions((Iterator<Batch> part) -> scorePartition(path, part))
                .collect(); // partitions are contiguous slices, collected in order
        List<List<Loglikelihood>> out = new ArrayList<>(scored.size());
        for (int k = 0; k < scored.size(); k++) {
            out.add(scored.get(k).toList());
            progress.advance(batches.get(k).size());
        }
        return out;
    }

    /** Models loaded on this JVM and not in use, by path: a task borrows one, so concurrent tasks never share one. */
    private static final Map<String, ConcurrentLinkedQueue<TransformerModel>> IDLE = new ConcurrentHashMap<>();

    private static Iterator<Scores> scorePartition(String path, Iterator<Batch> batches) {
        ConcurrentLinkedQueue<TransformerModel> idle = IDLE.computeIfAbsent(path, p -> new ConcurrentLinkedQueue<>());
        TransformerModel model = idle.poll();
        if (model == null) {
            try {
                SameDiffRuntime.init();
                model = ModelIO.load(Path.of(path));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load model " + path + " on this worker", e);
            }
        }
        try {
            List<Scores> out = new ArrayList<>();
            while (batches.hasNext()) {
                out.add(Scores.of(SinterLanguageModel.scoreBatch(model, batches.next().requests())));
            }
            return out.iterator();
        } finally {
            idle.add(model);
        }
    }

    /** One batch's requests, serializable: contexts and continuations as token arrays. */
    record Batch(int[][] contexts, int[][] continuations) implements Serializable {
        static Batch of(List<TokenRequest> requests) {
            int[][] ctx = new int[requests.size()][];
            int[][] cont = new int[requests.size()][];
            for (int j = 0; j < ctx.length; j++) {
                ctx[j] = requests.get(j).context();
                cont[j] = requests.get(j).continuation();
            }
            return new Batch(ctx, cont);
        }

        List<TokenRequest> requests() {
            List<TokenRequest> out = new ArrayList<>(contexts.length);
            for (int j = 0; j < contexts.length; j++) {
                out.add(new TokenRequest(contexts[j], continuations[j]));
            }
            return out;
        }
    }

    /** One batch's results, serializable. */
    record Scores(double[] logprob, boolean[] greedy, int[] tokens) implements Serializable {
        static Scores of(List<Loglikelihood> results) {
            int n = results.size();
            Scores s = new Scores(new double[n], new boolean[n], new int[n]);
            for (int j = 0; j < n; j++) {
                s.logprob[j] = results.get(j).logprob();
                s.greedy[j] = results.get(j).greedy();
                s.tokens[j] = results.get(j).tokens();
            }
            return s;
        }

        List<Loglikelihood> toList() {
            List<Loglikelihood> out = new ArrayList<>(logprob.length);
            for (int j = 0; j < logprob.length; j++) {
                out.add(new Loglikelihood(logprob[j], greedy[j], tokens[j]));
            }
            return out;
        }
    }
}
