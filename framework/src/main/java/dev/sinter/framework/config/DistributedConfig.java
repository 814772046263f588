package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code distributed:} section: synchronous data-parallel training over {@code workers} model replicas, on the
 * cores of this machine or an Apache Spark cluster (the {@code sinter-distributed} module runs it). Absent = one
 * process, as before.
 *
 * @param engine              how training steps run: {@value #THREADS} (the replicas on long-lived threads of this
 *                            JVM, no Spark job per step; local masters only, the default for them) or {@value #SPARK}
 *                            (one Spark job per step; the default, and the only choice, for a cluster master).
 *                            {@code sinter eval --distributed} follows it (model copies on threads, or Spark tasks);
 *                            {@code sinter prepare} runs on Spark either way
 * @param master              Spark master URL: {@code local[N]} (N cores of this machine, one replica per core),
 *                            {@code spark://host:port}, {@code yarn} or {@code k8s://…} (default {@code local[workers]})
 * @param workers             model replicas; each computes the gradients of {@code accumulation / workers} micro-batches
 *                            of every step (default 2)
 * @param maxTaskFailures     attempts Spark makes at a worker's task of a step before the run fails (default 4)
 * @param connectTimeoutSeconds how long to try reaching a {@code spark://} master before refusing to start (default 10)
 * @param conf                extra Spark settings passed through verbatim (e.g. {@code spark.executor.memory: 4g})
 */
public record DistributedConfig(String engine, String master, int workers, int maxTaskFailures,
                                int connectTimeoutSeconds, Map<String, String> conf) {
    public static final String SPARK = "spark";
    public static final String THREADS = "threads";
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)(?:,(\\d+))?])?");

    public DistributedConfig {
        Checks.positive("workers", workers);
        boolean masterGiven = master != null; // else local[workers], checked below against this machine's cores
        master = requireNonNullElse(master, "local[" + workers + "]");
        Checks.nonBlank("master", master);
        boolean localMaster = LOCAL.matcher(master).matches();
        engine = requireNonNullElse(engine, localMaster ? THREADS : SPARK);
        Checks.oneOf("engine", engine, THREADS, SPARK);
        if (engine.equals(THREADS) && !localMaster) {
            throw new IllegalArgumentException("engine threads runs the replicas on this machine only, but master is '"
                    + master + "'; set engine: spark for a cluster, or master: local[N]");
        }
        int machine = Runtime.getRuntime().availableProcessors();
        if (engine.equals(THREADS) && !masterGiven && workers > machine) {
            throw new IllegalArgumentException("workers " + workers + " exceeds this machine's " + machine + " cores"
                    + " (engine threads runs one replica per core); set workers to at most " + machine);
        }
        Checks.positive("max_task_failures", maxTaskFailures);
        Checks.positive("connect_timeout_seconds", connectTimeoutSeconds);
        conf = Map.copyOf(requireNonNullElse(conf, Map.of()));
        Matcher local = LOCAL.matcher(master);
        if (local.matches()) {
            if (local.group(2) != null) {
                throw new IllegalArgumentException("master must not set the failure count itself ('" + master
                        + "'); write local[" + local.group(1) + "] and set max_task_failures");
            }
            int cores = localCores(master);
            if (workers > cores) {
                throw new IllegalArgumentException("workers " + workers + " exceeds the " + cores + " cores master '"
                        + master + "' gives; lower workers or raise N in local[N]");
            }
        } else if (!master.startsWith("spark://") && !master.equals("yarn") && !master.startsWith("k8s://")) {
            throw new IllegalArgumentException("master must be local[N], spark://host:port, yarn or k8s://…, got '"
                    + master + "'");
        }
    }

    /** Binds the YAML section; null arguments take their defaults. */
    @JsonCreator
    public static DistributedConfig of(@JsonProperty("engine") String engine,
                                       @JsonProperty("master") String master,
                                       @JsonProperty("workers") Integer workers,
                                       @JsonProperty("max_task_failures") Integer maxTaskFailures,
                                       @JsonProperty("connect_timeout_seconds") Integer connectTimeoutSeconds,
                                       @JsonProperty("conf") Map<String, String> conf) {
        return new DistributedConfig(engine, master, requireNonNullElse(workers, 2),
                requireNonNullElse(maxTaskFailures, 4), requireNonNullElse(connectTimeoutSeconds, 10), conf);
    }

    /** Whether the replicas run on threads of this JVM without a Spark job per step ({@value #THREADS}). */
    @JsonIgnore
    public boolean isThreads() {
        return engine.equals(THREADS);
    }

    /** Whether the master runs every worker inside this JVM ({@code local…}). */
    @JsonIgnore
    public boolean isLocal() {
        return LOCAL.matcher(master).matches();
    }

    /**
     * The cores a local master gives ({@code local} = 1, {@code local[*]} = this machine's); it fails for a local
     * master with more cores than this machine has, since replicas sharing a core only slow each other down.
     */
    public int localCores() {
        return localCores(master);
    }

    private static int localCores(String master) {
        Matcher m = LOCAL.matcher(master);
        if (!m.matches()) {
            throw new IllegalStateException("master '" + master + "' is not local");
        }
        int machine = Runtime.getRuntime().availableProcessors();
        if (m.group(1) == null) {
            return 1;
        }
        if (m.group(1).equals("*")) {
            return machine;
        }
        int n = Integer.parseInt(m.group(1));
        if (n < 1 || n > machine) {
            throw new IllegalArgumentException("master '" + master + "' asks for " + n + " cores but this machine has "
                    + machine + "; use local[N] with 1 <= N <= " + machine + " (or local[*])");
        }
        return n;
    }

    /**
     * The global batch must split evenly: {@code batch_size / micro_batch_size} micro-batches per step, an equal
     * number per worker.
     */
    public void checkBatch(int batchSize, int microBatchSize) {
        int microBatches = batchSize / microBatchSize;
        if (microBatches % workers != 0) {
            throw new IllegalArgumentException("distributed.workers " + workers + " must divide the " + microBatches
                    + " micro-batches of a step (training.batch_size " + batchSize + " / micro_batch_size "
                    + microBatchSize + "); set training.batch_size to a multiple of workers × micro_batch_size = "
                    + (workers * microBatchSize));
        }
    }
}
