package dev.sinter.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.autodiff.listeners.profiler.ProfilingListener;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Times one model configuration in one process and prints a JSON line: training tokens/s (full optimizer steps
 * through {@link TrainingLoop}, AdamW, clipping) or forward tokens/s, median over the measured steps after warm-up,
 * and the process's peak RSS; the graph build and the first step (or forward call) also as thread and process CPU
 * time, which a loaded machine does not stretch. {@code bench/compare.py} runs it alternately with the PyTorch twin.
 *
 * <p>Usage: {@code ModelBenchmark train|forward [--model small] [--dim D --layers L --heads H --kv-heads K
 * --hidden F --vocab V] [--batch 16] [--seq 128] [--warmup 5] [--steps 10] [--workers 1] [--profile trace.json]
 * [--rss-every N]} ({@code --rss-every N}: training prints the current and peak RSS to stderr every N steps)
 *
 * <p>{@code forward --workers N} ({@link ForwardWorkers}): N model copies, each on its own thread with one ND4J thread
 * (run it with {@code OMP_NUM_THREADS=1}), as {@code sinter eval} scores with {@code distributed.engine: threads};
 * each forward pass splits the batch evenly over them (N must divide {@code --batch}). A step lasts until every worker
 * is done; {@code tokens_per_s} counts all workers' tokens ({@code batch × seq} per step), and
 * {@code cpu_tokens_per_s} divides them by the largest worker's thread CPU time of the step (the rate if each worker
 * had a core to itself). {@code build_s} covers all copies, built in parallel; the thread CPU times of the build and
 * the first call ({@code build_cpu_s}, {@code first_step_cpu_s}) are worker 0's (the main thread's), and
 * {@code --profile} traces worker 0's model.
 */
public final class ModelBenchmark {
    public static void main(String[] args) throws IOException {
        BenchArgs a = new BenchArgs(args);
        SameDiffRuntime.init();
        ModelConfig base = ModelPreset.registry().get(a.str("--model", "small")).config();
        ModelConfig cfg = base.toBuilder().dim(a.num("--dim", base.dim())).nLayers(a.num("--layers", base.nLayers()))
                .nHeads(a.num("--heads", base.nHeads())).nKvHeads(a.num("--kv-heads", base.nKvHeads()))
                .hiddenDim(a.num("--hidden", base.hiddenDim())).vocabSize(a.num("--vocab", base.vocabSize()))
                .maxSeqLen(Math.max(base.maxSeqLen(), a.num("--seq", 128))).moe(null).build(); // the dense model
        int batch = a.num("--batch", 16);
        int seq = a.num("--seq", 128);
        int warmup = a.num("--warmup", 5);
        int steps = a.num("--steps", 10);
        String mode = a.oneOf("train", "forward");
        int workers = a.num("--workers", 1);
        if (workers != 1 && (mode.equals("train") || batch % workers != 0)) {
            throw new IllegalArgumentException("--workers " + workers + " needs mode forward and a --batch it divides,"
                    + " got " + mode + " with --batch " + batch);
        }

        CpuClock buildCpu = new CpuClock();
        long t0 = System.nanoTime();
        ForwardWorkers copies = new ForwardWorkers(workers, () -> TransformerModel.create(cfg, DataType.FLOAT, 1));
        TransformerModel model = TransformerModel.create(cfg, DataType.FLOAT, 1);
        buildCpu.stop();
        copies.awaitBuilt();
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        CpuClock firstCpu = new CpuClock(); // from here to the end of the first measured call (step or forward)
        String profile = a.str("--profile", null);
        if (profile != null) {
            // Chrome-trace JSON of every op execution after warm-up (bench/profile_summary.py aggregates it)
            model.graph().addListeners(ProfilingListener.builder(new java.io.File(profile)).recordAll()
                    .build());
        }
        int[] tokens = new SplittableRandom(1).ints((long) (warmup + steps + 2) * batch * (seq + 1), 0, cfg.vocabSize())
                .toArray();
        List<Double> times = new ArrayList<>();
        List<Double> cpuTimes = new ArrayList<>(); // this thread's CPU seconds per step: robust on a busy machine
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        if (mode.equals("train")) {
            TrainingConfig tc = TrainingConfig.of(warmup + steps, batch, batch, 1e-3, 1e-4, 0, 0.1, 0.9, 0.95, 1e-8,
                    1.0, Integer.MAX_VALUE, 1, 1000);
            TrainingLoop loop = new TrainingLoop(model, tc, TrainingHooks.allParameters(),
                    new BatchSampler(tokens, seq, 1), new int[0][]);
            int rssEvery = a.num("--rss-every", 0);
            long[] lastCpu = {cpu.getCurrentThreadCpuTime()};
            loop.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    times.add(m.stepSeconds());
                    long now = cpu.getCurrentThreadCpuTime(); // the loop calls its listeners on its own thread
                    cpuTimes.add((now - lastCpu[0]) / 1e9);
                    lastCpu[0] = now;
                    if (m.step() == 1) {
                        firstCpu.stop();
                    }
                    if (rssEvery > 0 && m.step() % rssEvery == 0) {
                        // resident memory over a long run: it should stay flat
                        System.err.printf(Locale.ROOT, "step %d rss_mb %.1f peak_rss_mb %.1f%n", m.step(),
                                rssMb("VmRSS:"), rssMb("VmHWM:"));
                    }
                }
            });
            loop.run();
        } else {
            BatchSampler sampler = new BatchSampler(tokens, seq, 1);
            for (int i = 0; i < warmup + steps; i++) {
                int[][] w = sampler.next(batch);
                int[][] in = Arrays.stream(w).map(r -> Arrays.copyOf(r, seq)).toArray(int[][]::new);
                long s = System.nanoTime();
                long c = copies.forward(model, in); // the slowest worker's CPU time
                times.add((System.nanoTime() - s) / 1e9);
                cpuTimes.add(c / 1e9);
                if (i == 0) {
                    firstCpu.stop();
                }
            }
        }
        copies.close();
        double median = median(times.subList(warmup, times.size()));
        double cpuMedian = median(cpuTimes.subList(warmup, cpuTimes.size()));
        System.out.printf(Locale.ROOT, "{\"impl\": \"sinter\", \"mode\": \"%s\", \"params\": %d, \"tokens_per_s\": %.1f,"
                        + " \"median_step_s\": %.4f, \"first_step_s\": %.3f, \"build_s\": %.3f,"
                        + " \"build_cpu_s\": %.3f, \"build_process_cpu_s\": %.3f, \"first_step_cpu_s\": %.3f,"
                        + " \"first_step_process_cpu_s\": %.3f, \"peak_rss_mb\": %.1f, \"blas_core\": \"%s\","
                        + " \"cpu_tokens_per_s\": %.1f, \"workers\": %d}%n",
                mode, model.parameterCount(), batch * seq / median, median, times.get(0), buildSeconds,
                buildCpu.threadSeconds(), buildCpu.processSeconds(), firstCpu.threadSeconds(),
                firstCpu.processSeconds(), peakRssMb(), BlasCore.name(), batch * seq / cpuMedian, workers);
    }

    private static double median(List<Double> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    static double peakRssMb() {
        return rssMb("VmHWM:");
    }

    /** A memory line of {@code /proc/self/status} in MB: VmHWM (peak resident) or VmRSS (current). */
    private static double rssMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Double.NaN;
    }

    /**
     * CPU time from construction to {@link #stop()}: of the calling thread (the graph work itself) and of the whole
     * process (adds the JIT compiler, GC and any native threads). On a shared, loaded machine wall time stretches
     * with the load; CPU time does not, so the two together tell a slower build from a busier machine.
     */
    private static final class CpuClock {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private static final OperatingSystemMXBean PROCESS =
                (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final long thread0 = THREADS.getCurrentThreadCpuTime();
        private final long process0 = PROCESS.getProcessCpuTime();
        private long thread = -1;
        private long process = -1;

        void stop() {
            thread = THREADS.getCurrentThreadCpuTime() - thread0;
            process = PROCESS.getProcessCpuTime() - process0;
        }

        double threadSeconds() {
            return thread / 1e9;
        }

        double processSeconds() {
            return process / 1e9;
        }
    }
}
