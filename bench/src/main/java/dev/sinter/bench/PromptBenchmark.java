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
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
 * <p>Besides the text on stdout, every measurement is appended as one JSON line to
 * {@code bench/results/prompt-lw2g-cost-<UTC time>.json} (or {@code --out FILE}) as it is taken: what was measured,
 * the round, its seconds, the load average at that moment and the settings; a last {@code summary} line holds the
 * medians and ratios printed.
 *
 * <p>Usage: {@code PromptBenchmark [--steps 8] [--rounds 3] [--examples 64] [--sets 2] [--out FILE]}
 */
public final class PromptBenchmark {
    private static final int BATCH = 16;
    private static final String[] WORDS = {"the", "river", "model", "quietly", "learned", "a", "new", "task", "while",
        "old", "prompts", "kept", "their", "keys", "under", "frozen", "weights", "and", "every", "sentence", "ran",
        "through", "six", "layers", "of", "attention", "before", "morning"};

    private PromptBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        BenchArgs a = new BenchArgs(args);
        int steps = a.num("--steps", 8);
        int rounds = a.num("--rounds", 3);
        int examples = a.num("--examples", 64);
        int sets = a.num("--sets", 2);
        Path out = Path.of(a.str("--out", Path.of("bench", "results", "prompt-lw2g-cost-"
                + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now())
                + ".json").toString()));
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
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("encoder", "all-MiniLM-L6-v2");
        settings.put("prompt_layers", List.copyOf(layers));
        settings.put("prompt_length", prompts.length());
        settings.put("sets", sets);
        settings.put("batch", BATCH);
        settings.put("seq_len", data.length());
        settings.put("steps", steps);
        settings.put("rounds", rounds);
        settings.put("examples", examples);
        settings.put("subspace_examples", sample.batchSize());
        settings.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
        settings.put("processors", Runtime.getRuntime().availableProcessors());
        settings.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        settings.put("java", System.getProperty("java.version"));
        RawLog log = new RawLog(out, settings);
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
            log.write("subspace_update", Map.of("set", k), updateSeconds.get(k));
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
            log.write("plain_step", Map.of("round", r + 1), plain.get(r));
            log.write("projected_step", Map.of("round", r + 1), projected.get(r));
            log.write("projection_alone", Map.of("round", r + 1), projectionOnly.get(r));
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
            log.write("hfc_test", Map.of("round", r + 1, "gradient_passes", sets * ((examples + BATCH - 1) / BATCH)),
                    hfc.get(r));
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
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("plain_step_s", step);
        summary.put("projected_step_s", median(projected));
        summary.put("projected_step_ratio", median(projected) / step);
        summary.put("projection_alone_s", median(projectionOnly));
        summary.put("projection_alone_ratio", median(projectionOnly) / step);
        summary.put("hfc_test_s", median(hfc));
        summary.put("hfc_test_plain_steps", median(hfc) / step);
        summary.put("hfc_plain_steps_per_pass", median(hfc) / step / (sets * passesPerSet));
        summary.put("subspace_update_s", median(updateSeconds));
        summary.put("subspace_update_plain_steps", median(updateSeconds) / step);
        log.write("summary", summary, null);
        System.err.println("raw rows: " + out);
    }

    /**
     * Appends one JSON line per measurement to a file: time (UTC), what was measured, its facts (round, set, …),
     * seconds (none on the summary line), the load average (1, 5, 15 min) at that moment and the run's settings.
     */
    private record RawLog(Path file, Map<String, Object> settings) {
        RawLog {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the folder of " + file, e);
            }
        }

        void write(String measurement, Map<String, Object> facts, Double seconds) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("time", Instant.now().toString());
            row.put("measurement", measurement);
            row.putAll(new TreeMap<>(facts));
            if (seconds != null) {
                row.put("seconds", seconds);
            }
            row.put("load_average", loadAverage());
            row.put("settings", settings);
            try {
                Files.writeString(file, Json.write(row) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + file, e);
            }
        }

        /** The 1, 5 and 15 minute load averages from {@code /proc/loadavg}, else the JVM's 1-minute figure. */
        private static List<Double> loadAverage() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
                return List.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
            } catch (IOException | RuntimeException e) {
                return List.of(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            }
        }
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

}
