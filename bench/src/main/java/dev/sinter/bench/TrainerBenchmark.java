package dev.sinter.bench;

import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.transformer.DecoderFamily;
import dev.sinter.trainers.Phase;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.Trainer;
import dev.sinter.trainers.TrainerType;
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
 * Step time, trainable parameters, optimizer-state bytes and peak RSS of one registered training method on the
 * {@code small} model (B=16, T=128), one method per process so peak RSS is the method's own. The method is a
 * {@code trainer:} section in YAML flow style, built through {@link TrainerType#registry()}. A method with several
 * {@link Phase}s is timed in its last (SMT: the block-sparse phase; the warm-up is full fine-tuning, timed by
 * {@code full}); the steps before it get random gradients instead of training.
 *
 * <p>Usage: {@code TrainerBenchmark '{type: lora, rank: 8, alpha: 16}' [--warmup 3] [--steps 8] [--profile trace.json]}
 * ({@code bench/trainers.sh} gives the sections it compares)
 */
public final class TrainerBenchmark {
    public static void main(String[] args) throws IOException {
        BenchArgs a = new BenchArgs(args);
        String section = a.positional(0);
        int warmup = a.num("--warmup", 3);
        int steps = a.num("--steps", 8);
        SameDiffRuntime.init();
        // the run the trainer is built for: its model and seed (data and schedule are the benchmark's own)
        RunConfig run = RunConfig.loadString(String.join("\n", "name: trainer-benchmark", "seed: 1",
                "model: {name: small}", "data: {train: classpath:raw_sentences.txt, seq_len: 128}",
                "training: {steps: 1, batch_size: 16, lr: 1.0e-3}"), "TrainerBenchmark", List.of("trainer=" + section));
        String method = run.trainer().type();
        Trainer trainer = TrainerType.registry().get(method).create(run);
        ModelConfig cfg = run.model().resolve();
        TransformerModel model = lastPhase(trainer, TransformerModel.create(cfg, DataType.FLOAT, 1,
                trainer.linearLayer(DecoderFamily.projections(cfg))));
        TrainableModel trained = trainer.trainable(model);
        String profile = a.str("--profile", null);
        if (profile != null) {
            // Chrome-trace JSON of every op execution (bench/profile_summary.py aggregates it by op type)
            model.graph().addListeners(ProfilingListener.builder(new java.io.File(profile)).recordAll().build());
        }
        int batch = 16;
        int seq = 128;
        int[] tokens = new SplittableRandom(1).ints((long) (warmup + steps + 2) * batch * (seq + 1), 0, 256).toArray();
        TrainingConfig tc = TrainingConfig.of(warmup + steps, batch, batch, 1e-3, 1e-4, 0, 0.0, 0.9, 0.95, 1e-8, 1.0,
                Integer.MAX_VALUE, 1, 1000);
        TrainingLoop loop = new TrainingLoop(trained, tc, trainer, new BatchSampler(tokens, seq, 1), new int[0][]);
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
                .mapToLong(n -> trained.graph().getVariable(n).getArr().length()).sum();
        System.out.printf(Locale.ROOT, "{\"method\": \"%s\", \"trainable_params\": %d, \"optimizer_state_bytes\": %d,"
                        + " \"median_step_s\": %.4f, \"peak_rss_mb\": %.1f}%n", method, trainable,
                loop.optimizer().stateBytes(), median, ModelBenchmark.peakRssMb());
    }

    /** The model in the method's last phase, the steps before it given random gradients. */
    private static TransformerModel lastPhase(Trainer trainer, TransformerModel model) {
        List<Phase> phases = trainer.phases();
        if (phases.size() < 2) {
            return model;
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        model.parameters().forEach((n, w) -> grads.put(n, Nd4j.rand(DataType.FLOAT, w.shape())));
        Phase last = phases.get(phases.size() - 1);
        for (long step = 1; step <= last.start(); step++) {
            trainer.transformGradients(step, grads);
            for (Phase p : phases.subList(1, phases.size())) {
                if (p.start() == step) {
                    model = (TransformerModel) p.enter().apply(model);
                }
            }
        }
        return model;
    }


}
