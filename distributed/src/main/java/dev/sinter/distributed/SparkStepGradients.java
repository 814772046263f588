package dev.sinter.distributed;

import dev.sinter.framework.train.StepGradients;
import dev.sinter.trainers.ReplicaSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The step gradients of one training loop computed by {@code workers} replicas on Spark: each step is one Spark job
 * of one task per worker. The driver broadcasts the current trainable values and the step's micro-batches, worker
 * {@code w} computes the summed gradients of its consecutive share, and the driver adds the workers' sums in worker
 * order (a fixed order, so a retried task changes nothing). With one micro-batch per worker the sums are added
 * exactly as one process adds its accumulated micro-batches. With a local master the step's input and the sums pass
 * through {@link LocalHandoff} (same JVM) instead of a broadcast and serialized task results.
 */
final class SparkStepGradients implements StepGradients {
    private final JavaSparkContext spark;
    private final ReplicaSource source;
    private final String engineId;
    private final int workers;
    private final ExchangeStats stats;
    private final boolean inProcess;
    private final JavaRDD<Integer> workerIndices;
    private Broadcast<ReplicaSeed> seed;

    SparkStepGradients(JavaSparkContext spark, ReplicaSource source, String engineId, int workers,
                       ExchangeStats stats, boolean inProcess) {
        this.spark = spark;
        this.source = source;
        this.engineId = engineId;
        this.workers = workers;
        this.stats = stats;
        this.inProcess = inProcess;
        this.workerIndices = spark.parallelize(IntStream.range(0, workers).boxed().toList(), workers);
    }

    @Override
    public Sums compute(long step, List<int[][]> microBatches, List<String> trainable) {
        long t0 = System.nanoTime();
        if (seed == null) { // the loop's first step: its model as it is now (fresh, resumed, or a new phase's)
            seed = spark.broadcast(new ReplicaSeed(engineId, source.config().toYaml(), source.seedFiles(step - 1),
                    List.copyOf(trainable)));
        }
        Map<String, INDArray> live = source.arrays(trainable);
        float[][] values = new float[trainable.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = Arrays32.flat(live.get(trainable.get(i)));
        }
        StepInput input = new StepInput(step, values, List.copyOf(microBatches), workers);
        String key = engineId + "/" + step;
        Broadcast<StepInput> broadcast = inProcess ? null : spark.broadcast(input);
        List<WorkerSums> results;
        try {
            if (inProcess) {
                LocalHandoff.put(key, input);
            }
            results = new ArrayList<>(workerIndices.map(new WorkerTask(seed, broadcast, inProcess ? key : null))
                    .collect());
            if (inProcess) {
                results.replaceAll(r -> LocalHandoff.take(key + "/" + r.worker(), WorkerSums.class));
            }
        } finally {
            if (broadcast != null) {
                broadcast.destroy();
            }
            LocalHandoff.clear(key);
        }
        results.sort(Comparator.comparingInt(WorkerSums::worker));
        Sums sums = add(results, trainable, live);
        stats.add(System.nanoTime() - t0, results.stream().mapToLong(WorkerSums::computeNanos).max().orElse(0));
        return sums;
    }

    /** The workers' sums added in worker order, shaped like the driver's arrays. */
    private static Sums add(List<WorkerSums> results, List<String> trainable, Map<String, INDArray> live) {
        double loss = 0;
        Map<String, INDArray> grads = new LinkedHashMap<>();
        Map<String, INDArray> metrics = new LinkedHashMap<>();
        for (WorkerSums r : results) {
            loss += r.loss();
            for (int i = 0; i < trainable.size(); i++) {
                INDArray g = Arrays32.of(r.gradients()[i], live.get(trainable.get(i)).shape());
                grads.merge(trainable.get(i), g, INDArray::addi);
            }
            for (int i = 0; i < r.metrics().length; i++) {
                metrics.merge(r.metricNames()[i], Arrays32.of(r.metrics()[i], r.metricShapes()[i]), INDArray::addi);
            }
        }
        return new Sums(loss, metrics, grads);
    }

    /** Drops this loop's seed from the executors. */
    void release() {
        if (seed != null) {
            seed.destroy();
            seed = null;
        }
    }

    /**
     * One worker's task of a step (serialized to the executors: holds the seed's broadcast and either the step's
     * broadcast or, in process, the step's {@link LocalHandoff} key).
     */
    private record WorkerTask(Broadcast<ReplicaSeed> seed, Broadcast<StepInput> input, String localKey)
            implements Function<Integer, WorkerSums> {
        @Override
        public WorkerSums call(Integer worker) {
            if (localKey == null) {
                return Replicas.compute(seed.value(), input.value(), worker);
            }
            WorkerSums sums = Replicas.compute(seed.value(), LocalHandoff.get(localKey, StepInput.class), worker);
            LocalHandoff.put(localKey + "/" + worker, sums);
            return sums.receipt();
        }
    }
}
