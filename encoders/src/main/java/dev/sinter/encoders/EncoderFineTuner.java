package dev.sinter.encoders;

import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.trainers.smt.SmtTrainerConfig;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.trainers.lora.LoraTrainer;
import dev.sinter.trainers.smt.Block;
import dev.sinter.trainers.smt.BlockSelector;
import dev.sinter.trainers.smt.SmtLinearLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fine-tunes a pretrained encoder with a classification head on the framework's {@link TrainingLoop} (AdamW,
 * warm-up + cosine, clipping). Methods:
 * <ul>
 *   <li>{@code full}: every parameter trains;</li>
 *   <li>{@code lora}: {@link LoraTrainer}'s adapters on the targets (BERT projections are presented to it under
 *       their Llama roles: query→q, key→k, value→v, attention.output.dense→o, intermediate.dense→up,
 *       output.dense→down, so adapters are named e.g. {@code encoder.layer.0.self_attn.q_proj.lora_A.weight}), plus the
 *       head (PEFT's {@code modules_to_save});</li>
 *   <li>{@code smt}: SMT (papers.md §2.1) with the trainers' {@link BlockSelector}: {@code warmup_steps} of full
 *       fine-tuning summing the target matrices' gradients, then only the selected blocks (and the head) train, as
 *       their own variables through the trainers' {@link SmtLinearLayer}: no dense gradient of the frozen weights.</li>
 * </ul>
 */
public final class EncoderFineTuner {
    /** What a fine-tuning run produced and cost. */
    public record Result(BertEncoder model, String method, List<Double> losses, double secondsPerStep,
                         long trainableParameters, List<Block> smtBlocks) {
    }

    private EncoderFineTuner() {
    }

    /** The Llama-role view of BERT projection names that the decoder's LoRA/SMT target lists understand. */
    static LinearLayer llamaRoles(LinearLayer delegate) {
        return (sd, name, x, w) -> delegate.apply(sd, roleWeightName(name), x, w);
    }

    /** A BERT projection's name under its Llama role, e.g. {@code encoder.layer.0.self_attn.q_proj.weight}. */
    static String roleWeightName(String bertName) {
        String role = BertNames.llamaRole(bertName);
        return role == null ? bertName : "encoder.layer." + BertNames.layerIndex(bertName) + "." + role + ".weight";
    }

    /**
     * @param base      pretrained weights (copied into a fresh graph)
     * @param data      training examples, already tokenised
     * @param labels    their class indices
     * @param classes   number of classes
     * @param method    {@code full}, {@code lora} (needs {@code lora}) or {@code smt} (needs {@code smt})
     */
    public static Result train(ImportedEncoder base, EncodedBatch data, int[] labels, int classes, String method,
                               TrainingConfig training, LoraTrainerConfig lora, SmtTrainerConfig smt, long seed) {
        List<Double> losses = new ArrayList<>();
        long t0 = System.nanoTime();
        Result r = switch (method) {
            case "full" -> {
                BertEncoder m = build(base, classes, seed, LinearLayer.DENSE);
                EncoderClassifier c = new EncoderClassifier(m, data, labels);
                run(c, training, TrainingHooks.allParameters(), seed, losses);
                yield new Result(m, method, losses, 0, count(m, m.parameterNames()), List.of());
            }
            case "lora" -> {
                LoraTrainer trainer = new LoraTrainer(lora, seed, base.source());
                BertEncoder m = build(base, classes, seed, llamaRoles(trainer.linearLayer()));
                EncoderClassifier c = new EncoderClassifier(m, data, labels);
                TrainingHooks hooks = new TrainingHooks() {
                    @Override
                    public List<String> trainableParameters(TrainableModel model) {
                        return Stream.concat(trainer.trainableParameters(model).stream(), head(m).stream()).toList();
                    }

                    @Override
                    public void addPlaceholders(long step, int micro, boolean train, Map<String, INDArray> ph) {
                        trainer.addPlaceholders(step, micro, train, ph);
                    }
                };
                run(c, training, hooks, seed, losses);
                m.setInferencePlaceholders(trainer::addInferencePlaceholders);
                yield new Result(m, method, losses, 0, count(m, hooks.trainableParameters(c)), List.of());
            }
            case "smt" -> smt(base, data, labels, classes, training, smt, seed, losses);
            default -> throw new IllegalArgumentException("fine-tuning method must be full, lora or smt, got '"
                    + method + "'");
        };
        double secs = (System.nanoTime() - t0) / 1e9 / training.steps();
        return new Result(r.model(), r.method(), losses, secs, r.trainableParameters(), r.smtBlocks());
    }

    private static Result smt(ImportedEncoder base, EncodedBatch data, int[] labels, int classes,
                              TrainingConfig training, SmtTrainerConfig smt, long seed, List<Double> losses) {
        if (smt.warmupSteps() >= training.steps()) {
            throw new IllegalArgumentException("smt warmup_steps " + smt.warmupSteps() + " must be < training.steps "
                    + training.steps());
        }
        BertEncoder m = build(base, classes, seed, LinearLayer.DENSE);
        EncoderClassifier c = new EncoderClassifier(m, data, labels);
        Map<String, String> targets = new LinkedHashMap<>(); // BERT weight → q/k/v/o/up/down
        Map<String, Integer> layers = new LinkedHashMap<>();
        for (String n : m.parameterNames()) {
            String role = BertNames.llamaRole(n);
            String t = role == null ? null : role.substring(role.indexOf('.') + 1, role.length() - "_proj".length());
            if (t != null && smt.targets().contains(t)) {
                targets.put(n, t);
                layers.put(n, BertNames.layerIndex(n));
            }
        }
        // phase 1 (SMT §2.1): full fine-tuning while summing the signed gradients of the target matrices
        Map<String, INDArray> sums = new LinkedHashMap<>();
        TrainingHooks warm = new TrainingHooks() {
            @Override
            public List<String> trainableParameters(TrainableModel model) {
                return model.parameterNames();
            }

            @Override
            public void transformGradients(long step, Map<String, INDArray> g) {
                targets.keySet().forEach(n -> sums.merge(n, g.get(n).dup(), INDArray::addi));
            }
        };
        run(c, phase(training, smt.warmupSteps(), training.warmupSteps()), warm, seed, losses);
        BlockSelector selector = new BlockSelector(smt);
        long total = m.parameters().values().stream().mapToLong(INDArray::length).sum();
        List<Block> blocks = selector.select(sums, targets, layers, selector.blockCount(total));
        int l = smt.blockSize();
        // phase 2: the blocks become their own variables (SmtLinearLayer under the Llama role names); W0 is frozen
        // with the blocks zeroed, so neither its gradient nor its optimizer state exists
        List<Block> roleBlocks = blocks.stream().map(b -> new Block(roleWeightName(b.matrix()), b.target(), b.layer(),
                b.rowBlock(), b.colBlock(), b.score())).toList();
        SmtLinearLayer layer = new SmtLinearLayer(roleBlocks, l);
        BertEncoder sparse = build(base, classes, seed, llamaRoles(layer));
        sparse.loadParameters(m.parameters(), "SMT warm-up");
        Map<String, INDArray> w0 = new LinkedHashMap<>(); // role name → the live frozen weight
        blocks.forEach(b -> w0.put(roleWeightName(b.matrix()), sparse.graph().getVariable(b.matrix()).getArr()));
        Map<String, INDArray> blockValues = layer.extractBlocks(w0);
        blockValues.forEach((n, v) -> sparse.graph().getVariable(n).getArr().assign(v));
        List<String> trainable = Stream.concat(blockValues.keySet().stream(), head(sparse).stream()).toList();
        TrainingHooks sparseHooks = new TrainingHooks() {
            @Override
            public List<String> trainableParameters(TrainableModel model) {
                return trainable;
            }
        };
        run(new EncoderClassifier(sparse, data, labels), phase(training, training.steps() - smt.warmupSteps(), 0),
                sparseHooks, seed + 1, losses);
        // write the blocks back: the result is a plain dense encoder
        Map<String, INDArray> merged = layer.writeBack(w0, n -> sparse.graph().getVariable(n).getArr());
        Map<String, INDArray> weights = sparse.parameters();
        blocks.forEach(b -> weights.put(b.matrix(), merged.get(roleWeightName(b.matrix()))));
        BertEncoder dense = build(base, classes, seed, LinearLayer.DENSE);
        dense.loadParameters(weights, "SMT write-back");
        long params = (long) blocks.size() * l * l + count(sparse, head(sparse));
        return new Result(dense, "smt", losses, 0, params, blocks);
    }

    private static TrainingConfig phase(TrainingConfig t, int steps, int warmup) {
        return new TrainingConfig(steps, t.batchSize(), t.microBatchSize(), t.lr(), t.minLr(), Math.min(warmup, steps),
                t.weightDecay(), t.beta1(), t.beta2(), t.eps(), t.gradClip(), Integer.MAX_VALUE / 2, 1, t.logEvery());
    }

    private static BertEncoder build(ImportedEncoder base, int classes, long seed, LinearLayer layer) {
        BertEncoder m = BertEncoder.create(base.config(), classes, DataType.FLOAT, seed, layer);
        m.loadParameters(base.weights(), base.source());
        return m;
    }

    private static List<String> head(BertEncoder m) {
        return List.of(BertNames.CLASSIFIER + ".weight", BertNames.CLASSIFIER + ".bias");
    }

    private static long count(BertEncoder m, List<String> names) {
        return names.stream().mapToLong(n -> m.graph().getVariable(n).getArr().length()).sum();
    }

    private static void run(EncoderClassifier c, TrainingConfig cfg, TrainingHooks hooks, long seed,
                            List<Double> losses) {
        BatchSampler sampler = new BatchSampler(EncoderClassifier.indexStream(c.exampleCount()), 1, seed);
        TrainingLoop loop = new TrainingLoop(c, cfg, hooks, sampler, new int[0][]);
        loop.addListener(new dev.sinter.framework.train.TrainingListener() {
            @Override
            public void onStep(dev.sinter.framework.train.StepMetrics m) {
                losses.add(m.loss());
            }
        });
        loop.run();
        SameDiffRuntime.releaseMemory();
    }

    /** Class probabilities {@code [n, C]} for {@code data}, in chunks of {@code batch}. */
    public static INDArray predict(BertEncoder m, EncodedBatch data, int batch) {
        List<INDArray> parts = new ArrayList<>();
        for (int i = 0; i < data.batchSize(); i += batch) {
            int[] rows = java.util.stream.IntStream.range(i, Math.min(data.batchSize(), i + batch)).toArray();
            INDArray logits = m.output(data.select(rows), BertEncoder.LOGITS).get(BertEncoder.LOGITS);
            parts.add(org.nd4j.linalg.ops.transforms.Transforms.softmax(logits, true));
            SameDiffRuntime.releaseMemory();
        }
        return Nd4j.vstack(parts.toArray(INDArray[]::new));
    }
}
