package dev.sinter.bench;

import dev.sinter.distributed.SparkSessions;
import dev.sinter.framework.train.StepGradients;
import dev.sinter.trainers.DataParallel;
import dev.sinter.trainers.Replica;
import dev.sinter.trainers.ReplicaSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The data-parallel step of {@code local[N]} without Spark, for {@link SparkBenchmark}'s {@code threads1|threads2}
 * modes: N replicas (built with {@link Replica#build} like Spark's workers) on N plain threads of this JVM, the
 * driver's values assigned array to array and the sums added in worker order, with no job, no serialization and no
 * flat copies. Per step it records the wall time of setting the values, of each worker's passes and their CPU time
 * ({@link ThreadMXBean}, so a busy machine shows as wall ≫ CPU), and of adding the sums. One loop (phase) only.
 */
final class ThreadReplicas implements DataParallel, AutoCloseable {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** One step's timing, milliseconds; arrays per worker. */
    record StepTiming(double wall, double[] set, double[] passWall, double[] passCpu, double add) {
    }

    private final int workers;
    private final List<ExecutorService> threads = new ArrayList<>();
    private final List<Replica> replicas = new ArrayList<>();
    private final List<StepTiming> timings = new ArrayList<>();

    ThreadReplicas(int workers) {
        this.workers = workers;
        for (int w = 0; w < workers; w++) {
            String name = "bench-replica-" + w;
            threads.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            }));
        }
    }

    List<StepTiming> timings() {
        return timings;
    }

    @Override
    public StepGradients engine(ReplicaSource source) {
        if (!replicas.isEmpty()) {
            throw new IllegalStateException("ThreadReplicas runs one training loop only (no phase switch)");
        }
        return (step, microBatches, trainable) -> compute(source, step, microBatches, trainable);
    }

    private StepGradients.Sums compute(ReplicaSource source, long step, List<int[][]> microBatches,
                                       List<String> trainable) {
        long t0 = System.nanoTime();
        if (replicas.isEmpty()) {
            Map<String, byte[]> seed = source.seedFiles(step - 1);
            for (ExecutorService thread : threads) {
                replicas.add(await(thread.submit(() -> {
                    SparkSessions.oneThreadPerReplica();
                    return Replica.build(source.config(), seed);
                })));
            }
        }
        Map<String, INDArray> live = source.arrays(trainable);
        int per = microBatches.size() / workers;
        double[] set = new double[workers];
        double[] passWall = new double[workers];
        double[] passCpu = new double[workers];
        List<Future<StepGradients.Sums>> futures = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            Replica replica = replicas.get(w);
            futures.add(threads.get(w).submit(() -> {
                long s0 = System.nanoTime();
                for (String n : trainable) {
                    replica.variable(n).assign(live.get(n));
                }
                long c0 = CPU.getCurrentThreadCpuTime();
                long p0 = System.nanoTime();
                StepGradients.Sums sums = replica.compute(step,
                        microBatches.subList(worker * per, (worker + 1) * per), worker * per);
                passWall[worker] = (System.nanoTime() - p0) / 1e6;
                passCpu[worker] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
                set[worker] = (p0 - s0) / 1e6;
                return sums;
            }));
        }
        List<StepGradients.Sums> results = futures.stream().map(ThreadReplicas::await).toList();
        long a0 = System.nanoTime();
        double loss = 0;
        Map<String, INDArray> grads = new LinkedHashMap<>();
        Map<String, INDArray> metrics = new LinkedHashMap<>();
        for (StepGradients.Sums r : results) { // worker order, as SparkStepGradients adds them
            loss += r.loss();
            r.gradients().forEach((n, g) -> grads.merge(n, g.dup(), INDArray::addi));
            r.metrics().forEach((n, m) -> metrics.merge(n, m.dup(), INDArray::addi));
        }
        long end = System.nanoTime();
        timings.add(new StepTiming((end - t0) / 1e6, set, passWall, passCpu, (end - a0) / 1e6));
        return new StepGradients.Sums(loss, metrics, grads);
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a replica", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        threads.forEach(ExecutorService::shutdown);
    }
}
