package dev.sinter.bench;

import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.transformer.DecoderFamily;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.Phase;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.Trainer;
import dev.sinter.trainers.TrainerType;
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
 * SMT's step against its FLOP floor (issue 20, goal 4), in one process with the three measurements interleaved round
 * by round: {@code full} (full fine-tuning), {@code smt} (the sparse phase, its blocks all in one layer) and
 * {@code floor} (forward + input gradient through every layer: the dense model with only layer 0's input-norm weight
 * trainable, so the backward pass runs down to layer 0's input and forms no weight gradient of any matrix). Each is
 * a {@link TrainingLoop} step (gradients, clipping, AdamW). The SMT selection comes from warm-up gradients that are
 * random in the chosen layer's target matrices and zero elsewhere, so every block lands in that layer.
 *
 * <p>Prints one JSON line per round (each method's median step, SMT / floor) and a summary: median step of each,
 * SMT / floor (of the medians, and the median of the per-round ratios), SMT / full and floor / full.
 *
 * <p>Usage: {@code SmtFloorBenchmark [--dim 512] [--layers 4] [--heads 8] [--hidden 1376] [--batch 16] [--seq 128]
 * [--smt '{type: smt, warmup_steps: 1, block_size: 32, budget: 0.01, targets: [q, k, v]}'] [--blocks-layer 0]
 * [--rounds 5] [--steps 4] [--warmup 2] [--profile smt|full|floor:trace.json]} (the first {@code --warmup} steps of
 * each method, the first of which builds its gradient function, are not timed)
 */
public final class SmtFloorBenchmark {
    private static final String DEFAULT_SMT = "{type: smt, warmup_steps: 1, block_size: 32, budget: 0.01,"
            + " targets: [q, k, v]}";

    public static void main(String[] args) {
        BenchArgs a = new BenchArgs(args);
        int dim = a.num("--dim", 512);
        int batch = a.num("--batch", 16);
        int seq = a.num("--seq", 128);
        int rounds = a.num("--rounds", 5);
        int steps = a.num("--steps", 4);
        int warmup = a.num("--warmup", 2);
        int blocksLayer = a.num("--blocks-layer", 0);
        String section = a.str("--smt", DEFAULT_SMT);
        SameDiffRuntime.init();
        Nd4j.getRandom().setSeed(1); // the warm-up gradients, hence the selection, are the same on every run
        ModelConfig small = ModelPreset.registry().get("small").config();
        ModelConfig cfg = small.toBuilder().dim(dim).nLayers(a.num("--layers", 4))
                .nHeads(a.num("--heads", 8)).nKvHeads(a.num("--heads", 8))
                .hiddenDim(a.num("--hidden", 1376)).maxSeqLen(Math.max(small.maxSeqLen(), seq)).build();
        RunConfig run = RunConfig.loadString(String.join("\n", "name: smt-floor-benchmark", "seed: 1",
                "model: {name: small}", "data: {train: classpath:raw_sentences.txt, seq_len: " + seq + "}",
                "training: {steps: 1, batch_size: " + batch + ", lr: 1.0e-3}"), "SmtFloorBenchmark",
                List.of("trainer=" + section));
        Trainer smtTrainer = TrainerType.registry().get(run.trainer().type()).create(run);
        TransformerModel smtModel = sparsePhase(smtTrainer, TransformerModel.create(cfg, DataType.FLOAT, 1,
                smtTrainer.linearLayer(DecoderFamily.projections(cfg))), blocksLayer);
        TransformerModel dense = TransformerModel.create(cfg, DataType.FLOAT, 1, LinearLayer.DENSE);
        TransformerModel floorModel = TransformerModel.create(cfg, DataType.FLOAT, 1, LinearLayer.DENSE);
        String layer0Norm = ParameterNames.layer(0) + "input_layernorm.weight";
        if (!floorModel.parameterNames().contains(layer0Norm)) {
            throw new IllegalStateException("no parameter " + layer0Norm + " to take the input gradient through");
        }

        int total = warmup + rounds * steps; // the first step builds the gradient function; warm-up steps are not timed
        int[] tokens = new SplittableRandom(1).ints((long) (total + 2) * batch * (seq + 1), 0, cfg.vocabSize())
                .toArray();
        TrainingConfig tc = TrainingConfig.of(total, batch, batch, 1e-3, 1e-4, 0, 0.0, 0.9, 0.95, 1e-8, 1.0,
                Integer.MAX_VALUE, 1, 1_000_000);
        Map<String, Timed> methods = new LinkedHashMap<>();
        methods.put("full", new Timed(dense, TrainingHooks.allParameters(), tc, tokens, seq, warmup));
        methods.put("smt", new Timed(smtModel, smtTrainer, tc, tokens, seq, warmup));
        methods.put("floor", new Timed(floorModel, m -> List.of(layer0Norm), tc, tokens, seq, warmup));
        System.out.printf(Locale.ROOT, "{\"dim\": %d, \"layers\": %d, \"hidden\": %d, \"batch\": %d, \"seq\": %d,"
                        + " \"params\": %d, \"smt_trainable\": %d, \"smt\": \"%s\"}%n", dim, cfg.nLayers(),
                cfg.hiddenDim(), batch, seq, dense.parameterCount(), methods.get("smt").trainableCount(), section);
        methods.values().forEach(t -> t.loop.runUntil(warmup));
        String profile = a.str("--profile", null);
        if (profile != null) {
            String[] p = profile.split(":", 2);
            methods.get(p[0]).model.graph().addListeners(ProfilingListener.builder(new java.io.File(p[1]))
                    .recordAll().build());
        }
        List<String> names = new ArrayList<>(methods.keySet());
        List<Double> roundRatios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder("{\"round\": " + r);
            for (int k = 0; k < names.size(); k++) {
                String name = names.get((k + r) % names.size()); // rotate the order so load bursts spread out
                Timed t = methods.get(name);
                t.loop.runUntil(warmup + (long) (r + 1) * steps);
            }
            for (String name : names) {
                line.append(String.format(Locale.ROOT, ", \"%s\": %.4f", name, methods.get(name).roundMedian(r, steps)));
            }
            double ratio = methods.get("smt").roundMedian(r, steps) / methods.get("floor").roundMedian(r, steps);
            roundRatios.add(ratio);
            System.out.println(line.append(String.format(Locale.ROOT, ", \"smt_over_floor\": %.3f}", ratio)));
        }
        double full = methods.get("full").median();
        double smt = methods.get("smt").median();
        double floor = methods.get("floor").median();
        System.out.printf(Locale.ROOT, "{\"median_full_s\": %.4f, \"median_smt_s\": %.4f, \"median_floor_s\": %.4f,"
                + " \"smt_over_floor\": %.3f, \"median_round_smt_over_floor\": %.3f, \"smt_over_full\": %.3f,"
                + " \"floor_over_full\": %.3f}%n", full, smt, floor, smt / floor, medianOf(roundRatios), smt / full,
                floor / full);
    }

    /** One method's loop and its step times after the warm-up. */
    private static final class Timed {
        final TransformerModel model;
        final TrainingLoop loop;
        final List<Double> times = new ArrayList<>();

        Timed(TransformerModel model, TrainingHooks hooks, TrainingConfig tc, int[] tokens, int seq, int warmup) {
            this.model = model;
            TrainableModel trainable = hooks instanceof Trainer t ? t.trainable(model) : model;
            this.loop = new TrainingLoop(trainable, tc, hooks, new BatchSampler(tokens, seq, 1), new int[0][]);
            loop.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    if (m.step() > warmup) {
                        times.add(m.stepSeconds());
                    }
                }
            });
        }

        long trainableCount() {
            return loop.trainableParameters().stream()
                    .mapToLong(n -> model.graph().getVariable(n).getArr().length()).sum();
        }

        double roundMedian(int round, int steps) {
            return medianOf(times.subList(round * steps, (round + 1) * steps));
        }

        double median() {
            return medianOf(times);
        }
    }

    private static double medianOf(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    /**
     * The model of the trainer's last phase, entered after warm-up steps whose gradients are uniform random in
     * {@code layer}'s matrices and zero elsewhere (every selected block then sits in that layer).
     */
    private static TransformerModel sparsePhase(Trainer trainer, TransformerModel model, int layer) {
        List<Phase> phases = trainer.phases();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        String prefix = ParameterNames.layer(layer);
        model.parameters().forEach((n, w) -> grads.put(n, n.startsWith(prefix)
                ? Nd4j.rand(DataType.FLOAT, w.shape()) : Nd4j.zeros(DataType.FLOAT, w.shape())));
        Phase last = phases.get(phases.size() - 1);
        FamilyModel current = model;
        for (long step = 1; step <= last.start(); step++) {
            trainer.transformGradients(step, grads);
            for (Phase p : phases.subList(1, phases.size())) {
                if (p.start() == step) {
                    current = p.enter().apply(current);
                }
            }
        }
        return (TransformerModel) current;
    }


}
