package dev.sinter.bench;

import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.trainers.smt.SmtTrainerConfig;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.lora.LoraTrainer;
import dev.sinter.trainers.smt.SmtTrainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.listeners.profiler.ProfilingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Step time, trainable parameters, optimizer-state bytes and peak RSS of one fine-tuning method on the {@code small}
 * model (B=16, T=128), one method per process so peak RSS is the method's own. SMT is timed in its block-sparse
 * phase (the warm-up is full fine-tuning, timed by {@code full}); its blocks come from random warm-up gradients.
 *
 * <p>Usage: {@code TrainerBenchmark full|lora|smt [--rank 8] [--budget 0.01] [--block 32] [--warmup 3] [--steps 8] [--profile trace.json]}
 */
public final class TrainerBenchmark {
    public static void main(String[] args) throws IOException {
        List<String> a = List.of(args);
        String method = a.get(0);
        int rank = intArg(a, "--rank", 8);
        double budget = Double.parseDouble(arg(a, "--budget", "0.01"));
        int block = intArg(a, "--block", 32);
        int warmup = intArg(a, "--warmup", 3);
        int steps = intArg(a, "--steps", 8);
        SameDiffRuntime.init();
        ModelConfig cfg = ModelPreset.registry().get("small").config();
        TransformerModel model;
        TrainingHooks hooks;
        switch (method) {
            case "full" -> {
                model = TransformerModel.create(cfg, DataType.FLOAT, 1);
                hooks = TrainingHooks.allParameters();
            }
            case "lora" -> {
                LoraTrainer lora = new LoraTrainer(LoraTrainerConfig.of(rank, 2.0 * rank, 0.0,
                        List.of("q", "k", "v", "o", "gate", "up", "down")), 1, null);
                model = TransformerModel.create(cfg, DataType.FLOAT, 1, lora.linearLayer());
                hooks = lora;
            }
            case "smt" -> {
                SmtTrainer smt = new SmtTrainer(SmtTrainerConfig.of(1, block, "abs_mean", null, budget, "global",
                        List.of("q", "k", "v")));
                TransformerModel dense = TransformerModel.create(cfg, DataType.FLOAT, 1);
                Map<String, INDArray> grads = new LinkedHashMap<>();
                dense.parameters().forEach((n, w) -> grads.put(n, Nd4j.rand(DataType.FLOAT, w.shape())));
                smt.transformGradients(1, grads);
                model = smt.switchModel(dense);
                hooks = smt;
            }
            default -> throw new IllegalArgumentException("method must be full, lora or smt");
        }
        String profile = arg(a, "--profile", null);
        if (profile != null) {
            // Chrome-trace JSON of every op execution (bench/profile_summary.py aggregates it by op type)
            model.graph().addListeners(ProfilingListener.builder(new java.io.File(profile)).recordAll().build());
        }
        int batch = 16;
        int seq = 128;
        int[] tokens = new SplittableRandom(1).ints((long) (warmup + steps + 2) * batch * (seq + 1), 0, 256).toArray();
        TrainingConfig tc = TrainingConfig.of(warmup + steps, batch, batch, 1e-3, 1e-4, 0, 0.0, 0.9, 0.95, 1e-8, 1.0,
                Integer.MAX_VALUE, 1, 1000);
        TrainingLoop loop = new TrainingLoop(model, tc, hooks, new BatchSampler(tokens, seq, 1), new int[0][]);
        List<Double> times = new ArrayList<>();
        loop.addListener(new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                times.add(m.stepSeconds());
            }
        });
        loop.run();
        List<Double> measured = times.subList(warmup, times.size()).stream().sorted().toList();
        double median = measured.get(measured.size() / 2);
        long trainable = loop.trainableParameters().stream()
                .mapToLong(n -> model.graph().getVariable(n).getArr().length()).sum();
        System.out.printf(Locale.ROOT, "{\"method\": \"%s\", \"trainable_params\": %d, \"optimizer_state_bytes\": %d,"
                        + " \"median_step_s\": %.4f, \"peak_rss_mb\": %.1f}%n", method, trainable,
                loop.optimizer().stateBytes(), median, ModelBenchmark.peakRssMb());
    }

    private static String arg(List<String> a, String key, String def) {
        int i = a.indexOf(key);
        return i < 0 ? def : a.get(i + 1);
    }

    private static int intArg(List<String> a, String key, int def) {
        return Integer.parseInt(arg(a, key, String.valueOf(def)));
    }
}
