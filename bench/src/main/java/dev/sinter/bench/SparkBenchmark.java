package dev.sinter.bench;

import dev.sinter.distributed.DistributedEngine;
import dev.sinter.distributed.SparkTraining;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training throughput of one model in one mode, through {@link TrainingRun} as {@code sinter train} runs it: no
 * {@code distributed:} section (one process, the whole batch in one pass), {@code localN}: {@code engine: spark} with
 * master {@code local[N]} and N workers of {@code batch / N} sequences each (a Spark job per step), or
 * {@code threadsN}: {@code engine: threads}, the same N replicas on N long-lived threads without Spark
 * ({@link dev.sinter.distributed.ThreadDataParallel}). Prints one JSON line: median step time and tokens/s over the
 * steps after the warm-up (the first steps build the replicas), the median CPU time of the whole process per step (on
 * a busy machine the comparable number), for distributed runs the median gradient time and exchange overhead per step
 * (ms and share of the step), the load average at the end, and the process's peak RSS (all workers of a local master
 * live in this one process).
 *
 * <p>Usage: {@code SparkBenchmark small|d256 none|local1|local2|threads1|threads2 [--batch 16] [--seq 128]
 * [--warmup 3] [--steps 10]} ({@code bench/spark.sh} runs the modes side by side in separate processes). Needs
 * Spark's {@code --add-opens}.
 */
public final class SparkBenchmark {
    public static void main(String[] args) throws IOException {
        BenchArgs a = new BenchArgs(args);
        String model = a.positional(0);
        String mode = a.positional(1);
        int batch = a.num("--batch", 16);
        int seq = a.num("--seq", 128);
        int warmup = a.num("--warmup", 3);
        int steps = a.num("--steps", 10);
        int workers = switch (mode) {
            case "none" -> 0;
            case "local1" -> 1;
            case "local2", "threads2" -> 2;
            case "threads1" -> 1;
            default -> throw new IllegalArgumentException("mode must be none, local1, local2, threads1 or threads2,"
                    + " got " + mode);
        };
        String architecture = switch (model) {
            case "small" -> "{name: small}";
            case "d256" -> "{name: small, n_heads: 4, n_kv_heads: 4, vocab_size: 4096}"; // bench/compare.py's d256
            default -> throw new IllegalArgumentException("model must be small or d256, got " + model);
        };
        Path out = Files.createTempDirectory("spark-bench");
        int total = warmup + steps;
        List<String> yaml = new ArrayList<>(List.of(
                "name: " + model + "-" + mode,
                "output_dir: " + out,
                "seed: 1",
                "model: " + architecture,
                "data: {train: classpath:raw_sentences.txt, seq_len: " + seq + ", max_tokens: 400000}",
                "training: {steps: " + total + ", batch_size: " + batch + ", micro_batch_size: "
                        + (workers == 0 ? batch : batch / workers) + ", lr: 1.0e-3, eval_every: 100000,"
                        + " eval_batches: 1, log_every: 100000}",
                "checkpoint: {every: 100000}",
                "samples: {count: 1, max_new_tokens: 1}",
                "analysis: {emergence: false, super_weights: false, report: false}"));
        if (workers > 0) {
            yaml.add("distributed: {engine: " + (mode.startsWith("local") ? "spark" : "threads") + ", master: \"local["
                    + workers + "]\", workers: " + workers + "}");
        }
        RunConfig config = RunConfig.loadString(String.join("\n", yaml), "SparkBenchmark", List.of());
        TrainingRun run = new TrainingRun(config);
        List<Double> stepSeconds = new ArrayList<>();
        List<Double> stepCpuSeconds = new ArrayList<>(); // CPU time of all this process's threads in each step
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long[] lastCpu = {os.getProcessCpuTime()};
        run.addListener(new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                stepSeconds.add(m.stepSeconds());
                long cpu = os.getProcessCpuTime();
                stepCpuSeconds.add((cpu - lastCpu[0]) / 1e9);
                lastCpu[0] = cpu;
            }
        });
        DistributedEngine engine = workers > 0 ? SparkTraining.attach(run, config) : null;
        try {
            run.execute();
        } finally {
            if (engine != null) {
                engine.close();
            }
        }
        double step = median(stepSeconds.subList(warmup, total));
        StringBuilder json = new StringBuilder(String.format(Locale.ROOT,
                "{\"model\": \"%s\", \"mode\": \"%s\", \"batch\": %d, \"seq\": %d, \"steps\": %d,"
                        + " \"median_step_s\": %.4f, \"tokens_per_s\": %.1f, \"median_step_process_cpu_s\": %.3f",
                model, mode, batch, seq, steps, step, batch * seq / step,
                median(stepCpuSeconds.subList(warmup, total))));
        if (engine != null) {
            double gradient = median(engine.stats().gradientMillis().subList(warmup, total));
            double exchange = median(engine.stats().exchangeMillis().subList(warmup, total));
            json.append(String.format(Locale.ROOT, ", \"median_gradient_ms\": %.1f, \"median_exchange_ms\": %.1f,"
                    + " \"exchange_share_of_step\": %.3f", gradient, exchange, exchange / (step * 1000)));
        }
        json.append(String.format(Locale.ROOT, ", \"load1\": %s", loadAverage()));
        json.append(String.format(Locale.ROOT, ", \"peak_rss_mb\": %.1f, \"step_s\": %s}", ModelBenchmark.peakRssMb(),
                stepSeconds.stream().map(s -> String.format(Locale.ROOT, "%.3f", s)).toList()));
        System.out.println(json);
        System.exit(0); // Spark's non-daemon threads would keep the JVM alive
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The one-minute load average, or -1 where the OS does not tell. */
    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

}
