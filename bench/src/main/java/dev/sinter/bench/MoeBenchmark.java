package dev.sinter.bench;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.samediff.SwiGluOp;
import dev.sinter.models.moe.MoeInputs;
import dev.sinter.models.moe.MoeLayer;
import dev.sinter.models.moe.MoeNames;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.listeners.profiler.ProfilingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Forward+backward time per token of one MoE feed-forward layer (top-1, capacity factor 1, RTS) with E experts,
 * relative to the dense SwiGLU MLP of one expert's size, on {@code [N, D]} activations. Prints a table; the layers
 * are timed in interleaved rounds, and each ratio is the median of per-round ratios to the dense layer, in wall time
 * and in the timing thread's CPU time (robust to other processes on a shared machine).
 *
 * <p>Usage: {@code MoeBenchmark [--model small] [--tokens 2048] [--experts 1,4,8,16] [--warmup 5] [--steps 10]
 * [--profile trace.json]}
 */
public final class MoeBenchmark {
    public static void main(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int j = 0; j + 1 < args.length; j += 2) {
            a.put(args[j], args[j + 1]);
        }
        SameDiffRuntime.init();
        ModelConfig base = ModelPreset.registry().get(a.getOrDefault("--model", "small")).config();
        int n = Integer.parseInt(a.getOrDefault("--tokens", "2048"));
        int warmup = Integer.parseInt(a.getOrDefault("--warmup", "5"));
        int steps = Integer.parseInt(a.getOrDefault("--steps", "10"));
        List<Integer> experts = new ArrayList<>();
        for (String e : a.getOrDefault("--experts", "1,4,8,16").split(",")) {
            experts.add(Integer.parseInt(e.trim()));
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, n, base.dim()).subi(0.5);
        List<String> names = new ArrayList<>(List.of("dense"));
        List<Layer> layers = new ArrayList<>(List.of(layer(base, 0, x)));
        for (int e : experts) {
            names.add("MoE E=" + e);
            layers.add(layer(base, e, x));
        }
        String profile = a.get("--profile");
        if (profile != null) {
            // Chrome-trace JSON of the last layer's op executions (bench/profile_summary.py aggregates it)
            layers.get(layers.size() - 1).sd().addListeners(ProfilingListener.builder(new java.io.File(profile))
                    .recordAll().build());
        }
        double[][][] times = interleaved(layers, warmup, steps); // [wall, cpu][step][layer]
        double[][] seconds = times[0];
        double[][] cpu = times[1];
        System.out.printf(Locale.ROOT, "MoE layer fwd+bwd, top-1, cf 1.0, N=%d, D=%d, expert hidden %d; %d steps per"
                + " layer, interleaved%n", n, base.dim(), base.hiddenDim(), steps);
        System.out.printf(Locale.ROOT, "%-12s %12s %12s %8s %12s %10s%n", "layer", "ms/step", "µs/token", "ratio",
                "cpu ms/step", "cpu ratio");
        for (int l = 0; l < layers.size(); l++) {
            int layer = l;
            double t = median(Arrays.stream(seconds).mapToDouble(row -> row[layer]).toArray());
            // the ratio is the median over steps of this layer's time over the dense time of the same round
            double ratio = median(Arrays.stream(seconds).mapToDouble(row -> row[layer] / row[0]).toArray());
            double c = median(Arrays.stream(cpu).mapToDouble(row -> row[layer]).toArray());
            double cpuRatio = median(Arrays.stream(cpu).mapToDouble(row -> row[layer] / row[0]).toArray());
            System.out.printf(Locale.ROOT, "%-12s %12.1f %12.2f %8.2f %12.1f %10.2f%n", names.get(l), t * 1e3,
                    t * 1e6 / n, ratio, c * 1e3, cpuRatio);
        }
    }

    private record Layer(SameDiff sd, Map<String, INDArray> placeholders, List<String> params) {
    }

    /** One feed-forward layer on placeholder activations; loss = mean(y²) (+ l_aux for MoE). E = 0: dense MLP. */
    private static Layer layer(ModelConfig base, int experts, INDArray x) {
        ModelConfig cfg = experts == 0 ? base : base.withMoe(MoeConfig.of(List.of(experts), null, List.of(0), 1, false));
        SameDiff sd = SameDiff.create();
        List<String> params = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(1);
        MoeLayer.Context ctx = new MoeLayer.Context() {
            @Override
            public SDVariable weight(String name, double std, int out, int in) {
                params.add(name);
                return sd.var(name, Nd4j.randn(DataType.FLOAT, out, in).muli(std));
            }

            @Override
            public SDVariable bias(String name, int n) {
                params.add(name);
                return sd.var(name, Nd4j.zeros(DataType.FLOAT, n));
            }

            @Override
            public SDVariable activate(SDVariable gate, SDVariable up) {
                return SwiGluOp.swiGlu(sd, gate, up); // as the transformer's SwiGLU
            }

            @Override
            public SDVariable shape(Object... dims) {
                SDVariable[] parts = new SDVariable[dims.length];
                for (int j = 0; j < dims.length; j++) {
                    parts[j] = dims[j] instanceof SDVariable s ? s
                            : sd.constant(Nd4j.createFromArray(((Number) dims[j]).longValue()));
                }
                return sd.concat(0, parts);
            }
        };
        // the input is a variable whose gradient is requested too, as a layer inside a model needs dL/dh
        SDVariable h = sd.var("h", x);
        params.add("h");
        SDVariable y;
        SDVariable loss;
        if (experts == 0) {
            int d = cfg.dim();
            int hid = cfg.hiddenDim();
            SDVariable gate = sd.mmul(h, ctx.weight("gate", 0.02, hid, d), false, true, false);
            SDVariable up = sd.mmul(h, ctx.weight("up", 0.02, hid, d), false, true, false);
            y = sd.mmul(ctx.activate(gate, up), ctx.weight("down", 0.02, d, hid), false, true, false);
            loss = y.mul(y).mean();
        } else {
            y = MoeLayer.build(sd, ctx, cfg, 0, h, null, 0.02, 0.02);
            loss = y.mul(y).mean().add(sd.getVariable(MoeNames.auxLoss(0)).mul(0.01));
        }
        sd.setLossVariables(loss);
        Map<String, INDArray> ph = new HashMap<>();
        MoeInputs.add(ph, cfg, DataType.FLOAT, (int) x.size(0), true, rng.nextLong());
        ph.remove(MoeNames.AUX_COEF);
        return new Layer(sd, ph, params);
    }

    /**
     * Seconds of one forward+backward pass over all parameters, per measured step and layer: wall time
     * ({@code [0]}) and the CPU time of the timing thread ({@code [1]}), which with {@code OMP_NUM_THREADS=1} runs
     * every op and so is not inflated while other processes hold the core. Every round runs each layer once, in an
     * order that rotates from round to round, so a burst of load on the machine hits all layers alike instead of the
     * one being measured at the time.
     */
    private static double[][][] interleaved(List<Layer> layers, int warmup, int steps) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[][] out = new double[steps][layers.size()];
        double[][] cpu = new double[steps][layers.size()];
        for (int s = 0; s < warmup + steps; s++) {
            for (int k = 0; k < layers.size(); k++) {
                int l = (k + s) % layers.size();
                Layer layer = layers.get(l);
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                // as TrainingLoop runs it
                PooledExecution.gradients(layer.sd(), layer.placeholders(), layer.sd().getLossVariables(),
                        layer.params());
                if (s >= warmup) {
                    out[s - warmup][l] = (System.nanoTime() - t0) / 1e9;
                    cpu[s - warmup][l] = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
                }
                SameDiffRuntime.releaseMemory();
            }
        }
        return new double[][][]{out, cpu};
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
