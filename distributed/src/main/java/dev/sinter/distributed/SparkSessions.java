package dev.sinter.distributed;

import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Spark session of a {@code distributed:} section: checks the settings against this machine and the master
 * before any work, then creates (or reuses) the JVM's one {@link SparkSession}.
 *
 * <p>Threads: ND4J runs each op on OpenMP threads, and on 2 cores two replicas with one thread each beat one replica
 * with two. A local master runs its N workers as N task threads of this JVM, so {@link #oneThreadPerReplica()} caps
 * ND4J's own thread pool at 1 (libnd4j's {@code Environment.setMaxThreads}); oneDNN and OpenBLAS take
 * {@code OMP_NUM_THREADS} from the environment at load time, which {@code bin/sinter} sets to 1 on a 2-core machine
 * (export it yourself elsewhere). On a cluster, {@code spark.executorEnv.OMP_NUM_THREADS=1} is set unless
 * {@code conf} says otherwise; give each executor as many cores as replicas it should hold.
 */
public final class SparkSessions {
    private SparkSessions() {
    }

    /**
     * The session for {@code cfg}: an existing session with the same master is reused, one with another master is
     * stopped first. Fails with a {@link UsageException} naming the key when the master cannot be reached.
     */
    public static synchronized SparkSession open(DistributedConfig cfg, String appName) {
        checkReachable(cfg);
        SparkSession active = SparkSession.getDefaultSession().getOrElse(() -> null);
        if (active != null) {
            if (active.sparkContext().master().equals(sparkMaster(cfg)) && !active.sparkContext().isStopped()) {
                return active;
            }
            active.stop();
        }
        oneThreadPerReplica();
        return SparkSession.builder().config(conf(cfg, appName)).getOrCreate();
    }

    /** The Java view of a session's context. */
    public static JavaSparkContext context(SparkSession session) {
        return JavaSparkContext.fromSparkContext(session.sparkContext());
    }

    /** Caps ND4J's op threads in this JVM at one: each replica runs on one core. */
    public static void oneThreadPerReplica() {
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
    }

    /** The Spark settings of {@code cfg}: master (local masters carry the retry count), quiet UI, extra conf. */
    static SparkConf conf(DistributedConfig cfg, String appName) {
        SparkConf conf = new SparkConf()
                .setMaster(sparkMaster(cfg))
                .setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.task.maxFailures", Integer.toString(cfg.maxTaskFailures()))
                // one task per worker and step: the scheduler must not wait for a "better" locality
                .set("spark.locality.wait", "0s")
                .set("spark.executorEnv.OMP_NUM_THREADS", "1")
                // every step broadcasts the trainable values and collects one gradient sum per worker: float arrays
                // that LZ4 barely shrinks, and results that should come back in the task's status message rather
                // than through a block-manager fetch (capped by spark.rpc.message.maxSize on a cluster)
                .set("spark.broadcast.compress", "false")
                .set("spark.task.maxDirectResultSize", "1g");
        if (cfg.isLocal()) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        cfg.conf().forEach(conf::set);
        return conf;
    }

    /**
     * The master URL Spark is given: {@code local[N]} becomes {@code local[N,F]} (a local master retries a failed
     * task only when told how often; {@code spark.task.maxFailures} is ignored in local mode).
     */
    static String sparkMaster(DistributedConfig cfg) {
        if (!cfg.isLocal()) {
            return cfg.master();
        }
        return "local[" + cfg.localCores() + "," + cfg.maxTaskFailures() + "]";
    }

    /** A {@code spark://} master must accept a connection within {@code connect_timeout_seconds}. */
    static void checkReachable(DistributedConfig cfg) {
        if (!cfg.master().startsWith("spark://")) {
            return;
        }
        for (String hostPort : cfg.master().substring("spark://".length()).split(",")) {
            URI uri = URI.create("spark://" + hostPort);
            if (uri.getHost() == null || uri.getPort() < 0) {
                throw new UsageException("distributed.master '" + cfg.master() + "' must name host:port, e.g."
                        + " spark://head-node:7077");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), cfg.connectTimeoutSeconds() * 1000);
            } catch (IOException e) {
                throw new UsageException("distributed.master " + hostPort + " is unreachable (" + e.getMessage()
                        + " within " + cfg.connectTimeoutSeconds() + " s); start the Spark master there or fix"
                        + " distributed.master");
            }
        }
    }
}
