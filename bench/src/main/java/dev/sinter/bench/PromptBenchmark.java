package dev.sinter.bench;

import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.BertNames;
import dev.sinter.encoders.EncodedBatch;
import dev.sinter.encoders.ImportedEncoder;
import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.encoders.TextClassificationData;
import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.encoders.continual.Lw2gConfig;
import dev.sinter.encoders.continual.Lw2gLearner;
import dev.sinter.encoders.continual.PromptConfig;
import dev.sinter.encoders.continual.PromptedClassifier;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.prompt.PrefixPrompts;
import dev.sinter.trainers.lw2g.FeatureSubspace;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The cost of LW2G's extra work on a frozen all-MiniLM-L6-v2 with prefix prompts (DualPrompt defaults: length 5 at
 * layers 1, 2), B = 16 synthetic sentences of ~20 word pieces: a plain prompt-tuning step (gradients of prefixes and
 * head, AdamW) against the same step with LW2G's projection (CPK against S_pre, then the hard projection off S_k),
 * the projection alone, the HFC test (one gradient pass over a task's examples per existing set, then the angles)
 * and the per-task subspace update, as ratios to the plain step. Plain and projected runs alternate over rounds;
 * medians are reported.
 *
 * <p>Usage: {@code PromptBenchmark [--steps 8] [--rounds 3] [--examples 64] [--sets 2]}
 */
public final class PromptBenchmark {
    private static final int BATCH = 16;
    private static final String[] WORDS = {"the", "river", "model", "quietly", "learned", "a", "new", "task", "while",
        "old", "prompts", "kept", "their", "keys", "under", "frozen", "weights", "and", "every", "sentence", "ran",
        "through", "six", "layers", "of", "attention", "before", "morning"};

    private PromptBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        List<String> a = List.of(args);
        int steps = intArg(a, "--steps", 8);
        int rounds = intArg(a, "--rounds", 3);
        int examples = intArg(a, "--examples", 64);
        int sets = intArg(a, "--sets", 2);
        SameDiffRuntime.init();
        long start = System.nanoTime();
        ImportedEncoder minilm = PretrainedEncoder.ALL_MINILM_L6_V2.load();
        System.err.printf(Locale.ROOT, "loaded all-MiniLM-L6-v2 in %.1f s%n", (System.nanoTime() - start) / 1e9);
        var cfg = minilm.config();
        SortedSet<Integer> layers = PromptConfig.defaults().layersFor(cfg.nLayers());
        PrefixPrompts prompts = new PrefixPrompts(sets, PromptConfig.defaults().length(), cfg.nHeads(),
                cfg.headDim(), layers, DataType.FLOAT);
        PromptedClassifier model = new PromptedClassifier(cfg, DataType.FLOAT, prompts, 4, minilm.weights());
        SplittableRandom rng = new SplittableRandom(1);
        for (String name : prompts.parameterNames()) {
            INDArray p = model.variable(name);
            for (long i = 0; i < p.length(); i++) {
                p.putScalar(i, rng.nextDouble(-1, 1));
            }
        }
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < examples; i++) {
            String text = String.join(" ", IntStream.range(0, 14 + rng.nextInt(8))
                    .mapToObj(j -> WORDS[rng.nextInt(WORDS.length)]).toList());
            items.add(new Item(text, null, i % 4));
        }
        EncodedBatch data = TextClassificationData.encode(PretrainedEncoder.ALL_MINILM_L6_V2.tokenizer(), items, 64);
        int[] labels = items.stream().mapToInt(Item::label).toArray();
        boolean[] allowed = {true, true, true, true};

        EncodedBatch sample = data.select(IntStream.range(0, Math.min(examples, 40)).toArray());
        Map<Integer, FeatureSubspace> pretrained = new TreeMap<>();
        for (int l : layers) {
            INDArray x = model.tokenRows(sample, filled(sample.batchSize(), -1), BertNames.layerOutput(l)); // [n, D]
            pretrained.put(l, FeatureSubspace.fromFeatures(Lw2gConfig.defaults().representation(x), 0.95));
        }
        List<Map<Integer, FeatureSubspace>> subspaces = new ArrayList<>();
        List<Double> updateSeconds = new ArrayList<>();
        for (int k = 0; k < sets; k++) {
            long t0 = System.nanoTime();
            Map<Integer, FeatureSubspace> byLayer = new TreeMap<>();
            for (int l : layers) {
                INDArray x = model.tokenRows(sample, filled(sample.batchSize(), k), BertNames.query(l));
                byLayer.put(l, FeatureSubspace.empty(cfg.dim()).update(Lw2gConfig.defaults().representation(x), 0.95));
            }
            subspaces.add(byLayer);
            updateSeconds.add((System.nanoTime() - t0) / 1e9);
        }

        model.feed(data, labels, filled(examples, 0), allowed);
        TrainingConfig training = new TrainingConfig(steps, BATCH, BATCH, 1e-2, 1e-3, 0, 0.0, 0.9, 0.999, 1e-8, 1.0,
                steps, 1, steps);
        List<Double> plain = new ArrayList<>();
        List<Double> projected = new ArrayList<>();
        List<Double> projectionOnly = new ArrayList<>();
        List<Double> hfc = new ArrayList<>();
        System.err.printf(Locale.ROOT, "graph and subspaces ready at %.1f s%n", (System.nanoTime() - start) / 1e9);
        run(model, training, examples, null); // warm-up
        for (int r = 0; r < rounds; r++) {
            plain.add(run(model, training, examples, null) / steps);
            double[] inHook = {0};
            projected.add(run(model, training, examples, grads -> {
                long t0 = System.nanoTime();
                Lw2gLearner.project(grads, 0, pretrained, 0.1, subspaces.get(0));
                inHook[0] += (System.nanoTime() - t0) / 1e9;
            }) / steps);
            projectionOnly.add(inHook[0] / steps);
            long t0 = System.nanoTime();
            Map<Integer, List<Map<Integer, INDArray>>> rows = new TreeMap<>();
            for (int k = 0; k < sets; k++) {
                List<Map<Integer, INDArray>> batches = new ArrayList<>();
                for (int i = 0; i < examples; i += BATCH) {
                    int[] chunk = IntStream.range(i, Math.min(examples, i + BATCH)).toArray();
                    Map<String, INDArray> g = model.promptGradients(data.select(chunk), pick(labels, chunk),
                            filled(chunk.length, k), allowed);
                    Map<Integer, INDArray> byLayer = new TreeMap<>();
                    for (int l : layers) {
                        byLayer.put(l, rowsOf(g.get(PrefixPrompts.keyName(l)), k));
                    }
                    batches.add(byLayer);
                }
                rows.put(k, batches);
            }
            Lw2gLearner.hfc(rows, subspaces, pretrained);
            hfc.add((System.nanoTime() - t0) / 1e9);
            System.err.printf(Locale.ROOT, "round %d done at %.1f s%n", r + 1, (System.nanoTime() - start) / 1e9);
        }
        double step = median(plain);
        int passesPerSet = (examples + BATCH - 1) / BATCH;
        System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2, prompt layers %s, length %d, %d sets, B=%d, T=%d, %d steps"
                + " x %d rounds (medians)%n", layers, prompts.length(), sets, BATCH, data.length(), steps, rounds);
        System.out.printf(Locale.ROOT, "plain prompt-tuning step   %8.1f ms  1.00%n", 1e3 * step);
        System.out.printf(Locale.ROOT, "step with LW2G projection  %8.1f ms  %.3f%n", 1e3 * median(projected),
                median(projected) / step);
        System.out.printf(Locale.ROOT, "projection alone           %8.2f ms  %.4f%n", 1e3 * median(projectionOnly),
                median(projectionOnly) / step);
        System.out.printf(Locale.ROOT, "HFC test (%d sets x %d examples = %d gradient passes) %8.1f ms  %.2f plain "
                + "steps (%.2f per pass)%n", sets, examples, sets * passesPerSet, 1e3 * median(hfc), median(hfc) / step,
                median(hfc) / step / (sets * passesPerSet));
        System.out.printf(Locale.ROOT, "subspace update per set (%d examples, %d layers) %8.1f ms  %.2f plain steps%n",
                sample.batchSize(), layers.size(), 1e3 * median(updateSeconds), median(updateSeconds) / step);
    }

    /** Seconds of {@code training.steps()} steps of a fresh loop, with {@code transform} on the gradients. */
    private static double run(PromptedClassifier model, TrainingConfig training, int examples,
                              java.util.function.Consumer<Map<String, INDArray>> transform) {
        TrainingHooks hooks = new TrainingHooks() {
            @Override
            public List<String> trainableParameters(TrainableModel m) {
                return m.parameterNames();
            }

            @Override
            public void transformGradients(long step, Map<String, INDArray> gradients) {
                if (transform != null) {
                    transform.accept(gradients);
                }
            }
        };
        long t0 = System.nanoTime();
        new TrainingLoop(model, training, hooks, new BatchSampler(BertEncoder.indexStream(examples), 1, 3),
                new int[0][]).run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static INDArray rowsOf(INDArray grad, int set) {
        return grad.get(NDArrayIndex.point(set), NDArrayIndex.all(), NDArrayIndex.all());
    }

    private static int[] filled(int n, int v) {
        int[] out = new int[n];
        Arrays.fill(out, v);
        return out;
    }

    private static int[] pick(int[] values, int[] rows) {
        return Arrays.stream(rows).map(r -> values[r]).toArray();
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static int intArg(List<String> a, String name, int fallback) {
        int i = a.indexOf(name);
        return i < 0 ? fallback : Integer.parseInt(a.get(i + 1));
    }
}
