package dev.sinter.distributed.prepare;

import dev.sinter.distributed.prepare.FileTokenizer.FileTokens;
import dev.sinter.distributed.prepare.SourceListing.SourceRef;
import dev.sinter.framework.config.PrepareConfig;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.shards.DocumentReader.SourceFile;
import dev.sinter.framework.data.shards.ShardIndex;
import dev.sinter.framework.data.shards.ShardWriter;
import dev.sinter.framework.data.shards.TokenizerFingerprint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code sinter prepare} with {@code distributed:} set: lists the source (a local path or any URI Spark's Hadoop file
 * systems read) on the driver, tokenizes each file in its own Spark task, keeps the tasks' tokens in Spark's block
 * store on disk, then streams them to the driver file by file in source order and writes them through
 * {@link ShardWriter#write}. The stream, shards and index therefore equal the single-process
 * {@link ShardWriter#prepare} of the same files byte for byte (Parquet, which only this engine reads, gives the
 * tokens of a jsonl file holding the same documents).
 *
 * <p>Limits: a file's tokens travel as one array (at most 2^31 tokens per file; split larger files); the shard
 * directory is written by the driver; the tokenizer file ({@code data.tokenizer.path}) must be readable at the same
 * path on every worker (a shared file system, or {@code spark-submit --files} with a relative path).
 */
public final class SparkPrepare {
    private static final Logger LOG = LogManager.getLogger(SparkPrepare.class);

    private SparkPrepare() {
    }

    /**
     * Writes the shards of {@code source} (a file or directory, local or any Hadoop URI) to {@code outDir}, which must
     * not exist yet.
     *
     * @param valFraction share of the tokens held out for validation, in [0, 1)
     */
    public static ShardIndex prepare(SparkSession spark, TokenizerConfig tokenizer, PrepareConfig settings,
                                     String source, double valFraction, Path outDir) throws IOException {
        ShardWriter.checkAbsent(outDir);
        ShardWriter writer = new ShardWriter(tokenizer.load(), TokenizerFingerprint.of(tokenizer), settings);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration hadoop = jsc.hadoopConfiguration();
        List<SourceRef> files = SourceListing.list(source, hadoop);
        FileTokenizer task = FileTokenizer.of(tokenizer, settings);
        Broadcast<SerializableConfiguration> conf = jsc.broadcast(new SerializableConfiguration(hadoop));
        JavaRDD<FileTokens> tokens = jsc.parallelize(files, files.size())
                .map(f -> task.tokenize(f, conf.value().value()))
                .persist(StorageLevel.DISK_ONLY());
        try {
            long t0 = System.nanoTime();
            tokens.count(); // every file tokenized, in parallel; the results stay on the workers' disks
            LOG.info("tokenized {} files on Spark ({}) in {} s", files.size(), spark.sparkContext().master(),
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
            return writer.write(source, valFraction, outDir, sink -> {
                List<SourceFile> sources = new ArrayList<>();
                Iterator<FileTokens> inOrder = tokens.toLocalIterator(); // partition order = file order
                while (inOrder.hasNext()) {
                    FileTokens file = inOrder.next();
                    if (file.error() != null) {
                        throw new UsageException(file.error());
                    }
                    sink.accept(file.tokens());
                    sources.add(file.source());
                }
                return sources;
            });
        } catch (IOException | UsageException e) {
            throw e;
        } catch (Exception e) { // Spark's jobs throw SparkException undeclared
            throw usageErrorIn(e);
        } finally {
            tokens.unpersist(false);
            conf.destroy();
        }
    }

    /** A {@link UsageException} a task threw (a tokenizer that does not load) as itself, else the Spark failure. */
    private static RuntimeException usageErrorIn(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UsageException usage) {
                return new UsageException(usage.getMessage());
            }
        }
        return new IllegalStateException("Spark prepare failed: " + e.getMessage(), e);
    }
}
