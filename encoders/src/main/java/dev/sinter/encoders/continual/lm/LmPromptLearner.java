package dev.sinter.encoders.continual.lm;

import dev.sinter.encoders.continual.ContinualLearner.LearnReport;
import dev.sinter.encoders.continual.Lw2gConfig;
import dev.sinter.encoders.continual.Lw2gLearner;
import dev.sinter.encoders.continual.RetrievalKeys;
import dev.sinter.encoders.continual.PromptConfig;
import dev.sinter.encoders.continual.PromptMethodConfig;
import dev.sinter.encoders.continual.PromptState;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.prompt.PrefixPrompts;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.lw2g.FeatureSubspace;
import dev.sinter.trainers.lw2g.GrowthDecision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The prompt methods on a frozen causal LM over text domains ({@link PromptedDecoder}): every domain trains one
 * prompt set (key/value prefixes over the KV heads) on its token windows with the LM loss. {@code sequential-prompt}
 * trains one shared set, {@code always-grow} adds a set per domain, {@code lw2g} decides per domain as
 * {@link Lw2gLearner} does on the encoder, with the decoder's features: S_pre per prompt layer from the frozen
 * model's query rows (with grouped-query attention the key prefixes live in the KV·hd-wide query-row space, not in
 * the D-wide residual stream the encoder's S_pre uses) at {@code samples_per_class} windows per domain (a domain
 * plays a class), S_k from the query rows with the set active, the HFC angles and both projections on the key
 * prefix gradients.
 *
 * <p>Retrieval: a window's query is the frozen model's mean-pooled final hidden state (L2-normalised); it uses the set
 * whose key (the mean query of the training windows of the domains that trained it, {@value #KEY_WINDOWS} windows per
 * domain) has the highest cosine. Training: Adam without weight decay, one fresh optimiser per domain, windows drawn
 * with seed {@code seed + task}; a new set starts uniform in [-1, 1] (seed {@code seed + set}) or, with LW2G's
 * {@code fft_init}, as the mean of the old sets. The HFC pass and the S_k update read the domain's first
 * {@code feature_examples} training windows.
 */
public final class LmPromptLearner {
    /** Training windows per domain whose queries form its contribution to a set's key. */
    static final int KEY_WINDOWS = 128;
    private static final String STATE_FILE = "lm-prompt-learner.safetensors";

    /** How a domain's prompt set is chosen. */
    public enum Mode {
        SEQUENTIAL("sequential-prompt"), ALWAYS_GROW("always-grow"), LW2G("lw2g");

        private final String method;

        Mode(String method) {
            this.method = method;
        }
    }

    private final Mode mode;
    private final TransformerModel frozen;
    private final PromptConfig promptConfig;
    private final SortedSet<Integer> layers;
    private final TrainingConfig training;
    private final Lw2gConfig lw2g; // null unless LW2G
    private final int seqLen;
    private final long seed;
    private final List<Integer> taskToSet = new ArrayList<>();
    private final RetrievalKeys keys = new RetrievalKeys();
    private final Map<Integer, FeatureSubspace> pretrained = new TreeMap<>(); // prompt layer → S_pre
    private final List<Map<Integer, FeatureSubspace>> subspaces = new ArrayList<>(); // set → layer → S_k
    private int[][] pretrainedWindows = new int[0][]; // the previewed S_pre sample
    private PromptedDecoder model; // null before the first domain
    private int reused = -1;

    LmPromptLearner(Mode mode, TransformerModel frozen, PromptConfig prompts, TrainingConfig training, Lw2gConfig lw2g,
                    int seqLen, long seed) {
        if (mode == Mode.LW2G && lw2g == null) {
            throw new IllegalArgumentException("the lw2g method needs its lw2g settings");
        }
        if (seqLen > frozen.config().maxSeqLen()) {
            throw new IllegalArgumentException("continual.seq_len " + seqLen + " exceeds the model's max_seq_len "
                    + frozen.config().maxSeqLen());
        }
        this.mode = mode;
        this.frozen = frozen;
        this.promptConfig = prompts;
        this.layers = prompts.layersFor(frozen.config().nLayers());
        this.training = new TrainingConfig(training.steps(), training.batchSize(), training.microBatchSize(),
                training.lr(), training.minLr(), training.warmupSteps(), 0.0, training.beta1(), training.beta2(),
                training.eps(), training.gradClip(), training.steps(), 1, training.logEvery());
        this.lw2g = lw2g;
        this.seqLen = seqLen;
        this.seed = seed;
    }

    /** The learner of a prompt method's section. */
    public static LmPromptLearner of(PromptMethodConfig method, TransformerModel frozen, TrainingConfig training,
                                     int seqLen, long seed) {
        if (method instanceof PromptMethodConfig.Lw2g m) {
            return new LmPromptLearner(Mode.LW2G, frozen, m.prompt(), training, m.lw2g(), seqLen, seed);
        }
        Mode mode = method instanceof PromptMethodConfig.AlwaysGrow ? Mode.ALWAYS_GROW : Mode.SEQUENTIAL;
        return new LmPromptLearner(mode, frozen, method.prompt(), training, null, seqLen, seed);
    }

    public String name() {
        return mode.method;
    }

    public int promptSets() {
        return model == null ? 0 : model.prompts().sets();
    }

    /** The prompt layers. */
    public SortedSet<Integer> layers() {
        return layers;
    }

    /** S_pre of prompt layer {@code layer} (LW2G). */
    public FeatureSubspace pretrainedSubspace(int layer) {
        return pretrained.get(layer);
    }

    /** S_k of set {@code set} at prompt layer {@code layer} (LW2G). */
    public FeatureSubspace subspace(int set, int layer) {
        return subspaces.get(set).get(layer);
    }

    PromptedDecoder model() {
        return model;
    }

    /**
     * LW2G with {@code pretrained_tasks: all}: keeps the first {@code samples_per_class} training windows of every
     * domain for S_pre (called once before the first domain of a fresh run).
     */
    public void preview(List<int[]> trainTokensOfEveryDomain) {
        if (mode != Mode.LW2G || !Lw2gConfig.ALL_TASKS.equals(lw2g.pretrainedTasks())) {
            return;
        }
        List<int[]> sample = new ArrayList<>();
        for (int[] tokens : trainTokensOfEveryDomain) {
            sample.addAll(Arrays.asList(BatchSampler.sequentialWindows(tokens, seqLen, lw2g.samplesPerClass())));
        }
        pretrainedWindows = sample.toArray(int[][]::new);
    }

    /** Learns domain {@code task} (0-based, in order) from its training tokens. */
    public LearnReport learn(int task, int[] trainTokens) {
        if (task != taskToSet.size()) {
            throw new IllegalArgumentException("domain " + task + " after " + taskToSet.size()
                    + " learned domains: domains are learned in order from 0");
        }
        int[][] features = BatchSampler.sequentialWindows(trainTokens, seqLen, Integer.MAX_VALUE);
        int set;
        boolean grew;
        Map<String, Object> details = Map.of();
        if (model == null) {
            rebuild(1);
            set = 0;
            grew = true;
            if (mode == Mode.LW2G) {
                buildPretrained(pretrainedWindows.length > 0 ? pretrainedWindows
                        : Arrays.copyOf(features, Math.min(features.length, lw2g.samplesPerClass())));
            }
        } else if (mode == Mode.SEQUENTIAL) {
            set = 0;
            grew = false;
        } else if (mode == Mode.ALWAYS_GROW) {
            rebuild(promptSets() + 1);
            set = promptSets() - 1;
            grew = true;
        } else {
            GrowthDecision d = hfc(Arrays.copyOf(features, Math.min(features.length, lw2g.featureExamples())));
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("angles", new TreeMap<>(d.angles()));
            facts.put("epsilon", d.epsilon());
            facts.put("decision", d.reuse() ? "reuse" : "grow");
            details = facts;
            if (d.reuse()) {
                set = d.set();
                grew = false;
                reused = set;
            } else {
                rebuild(promptSets() + 1);
                set = promptSets() - 1;
                grew = true;
            }
        }
        int trained = set;
        model.train(trained);
        TrainingHooks hooks = new TrainingHooks() {
            @Override
            public List<String> trainableParameters(TrainableModel m) {
                return m.parameterNames();
            }

            @Override
            public void transformGradients(long step, Map<String, INDArray> gradients) {
                if (mode == Mode.LW2G) {
                    Lw2gLearner.project(gradients, trained, pretrained, lw2g.cpkLambda(),
                            trained == reused ? subspaces.get(trained) : null);
                }
            }
        };
        new TrainingLoop(model, training, hooks, new BatchSampler(trainTokens, seqLen, seed + task), new int[0][])
                .run();
        keys.add(set, queries(Arrays.copyOf(features, Math.min(features.length, KEY_WINDOWS))));
        taskToSet.add(set);
        if (mode == Mode.LW2G) {
            updateSubspaces(set, Arrays.copyOf(features, Math.min(features.length, lw2g.featureExamples())));
            reused = -1;
        }
        return new LearnReport(set, grew, details);
    }

    /**
     * Test windows' mean next-token NLL with each window's retrieved set, and the sets used.
     *
     * @param nll  mean next-token cross-entropy (nats) over the windows
     * @param sets the set each window retrieved
     */
    public record Evaluation(double nll, int[] sets) {
    }

    /** Evaluates {@code windows} {@code [n][seq_len + 1]} with retrieval. */
    public Evaluation evaluate(int[][] windows) {
        if (model == null) {
            throw new IllegalStateException("the " + name() + " learner has learned no domain yet");
        }
        int[] sets = keys.nearest(queries(windows));
        double sum = 0;
        for (int[] rows : chunks(windows.length)) {
            sum += model.loss(pick(windows, rows), pick(sets, rows)) * rows.length;
        }
        return new Evaluation(sum / windows.length, sets);
    }

    /** Writes the prefixes, keys, the task → set map and LW2G's bases. */
    public void save(Path dir) throws IOException {
        if (model == null) {
            throw new IllegalStateException("the " + name() + " learner has nothing to save before its first domain");
        }
        PromptState state = PromptState.of(name(), model, promptSets(), taskToSet);
        keys.saveTo(state.tensors());
        pretrained.forEach((l, s) -> putBasis(state.tensors(), "lw2g.pretrained.layer." + l + ".basis", s));
        for (int k = 0; k < subspaces.size(); k++) {
            for (var e : subspaces.get(k).entrySet()) {
                putBasis(state.tensors(), basisName(k, e.getKey()), e.getValue());
            }
        }
        state.metadata().put("lw2g.subspace_sets", Integer.toString(subspaces.size()));
        state.write(dir, STATE_FILE);
    }

    /** Restores what {@link #save} wrote, so learning continues exactly. */
    public void restore(Path dir) throws IOException {
        PromptState state = PromptState.read(dir, STATE_FILE, name());
        Map<String, INDArray> tensors = state.tensors();
        Map<String, String> meta = state.metadata();
        model = null;
        rebuild(state.sets());
        state.loadInto(model);
        keys.restoreFrom(tensors);
        taskToSet.clear();
        taskToSet.addAll(state.taskToSet());
        pretrained.clear();
        subspaces.clear();
        if (mode == Mode.LW2G) {
            for (int l : layers) {
                pretrained.put(l, basis(tensors, "lw2g.pretrained.layer." + l + ".basis"));
            }
            for (int k = 0; k < Integer.parseInt(meta.get("lw2g.subspace_sets")); k++) {
                Map<Integer, FeatureSubspace> byLayer = new TreeMap<>();
                for (int l : layers) {
                    byLayer.put(l, basis(tensors, basisName(k, l)));
                }
                subspaces.add(byLayer);
            }
        }
        pretrainedWindows = new int[0][];
        reused = -1;
    }

    /** S_pre per prompt layer from the frozen query rows of {@code windows}. */
    private void buildPretrained(int[][] windows) {
        pretrained.clear();
        for (int l : layers) {
            INDArray x = queryRows(windows, -1, l); // [rows, KV·hd]
            pretrained.put(l, FeatureSubspace.fromFeatures(lw2g.representation(x), lw2g.thresholdPretrained()));
        }
    }

    /** After training set {@code set}: its S_k per layer grows with the query rows of {@code windows}, set active. */
    private void updateSubspaces(int set, int[][] windows) {
        if (set == subspaces.size()) {
            Map<Integer, FeatureSubspace> fresh = new TreeMap<>();
            layers.forEach(l -> fresh.put(l, FeatureSubspace.empty(model.kvDim())));
            subspaces.add(fresh);
        }
        for (int l : layers) {
            INDArray x = queryRows(windows, set, l);
            subspaces.get(set).put(l, subspace(set, l).update(lw2g.representation(x), lw2g.threshold()));
        }
    }

    /** The HFC test: one gradient pass over {@code windows} per existing set, key prefix rows per layer and batch. */
    private GrowthDecision hfc(int[][] windows) {
        Map<Integer, List<Map<Integer, INDArray>>> rows = new TreeMap<>();
        for (int k = 0; k < promptSets(); k++) {
            List<Map<Integer, INDArray>> batches = new ArrayList<>();
            for (int[] chunk : chunks(windows.length)) {
                Map<String, INDArray> g = model.promptGradients(pick(windows, chunk),
                        PromptedDecoder.filled(chunk.length, k));
                Map<Integer, INDArray> byLayer = new TreeMap<>();
                for (int l : layers) {
                    byLayer.put(l, g.get(PrefixPrompts.keyName(l)).get(NDArrayIndex.point(k), NDArrayIndex.all(),
                            NDArrayIndex.all()).dup()); // [P, KV·hd]
                }
                batches.add(byLayer);
            }
            rows.put(k, batches);
        }
        return Lw2gLearner.hfc(rows, subspaces, pretrained);
    }

    private INDArray queryRows(int[][] windows, int set, int layer) {
        List<INDArray> parts = new ArrayList<>();
        for (int[] chunk : chunks(windows.length)) {
            parts.add(model.output(pick(windows, chunk), PromptedDecoder.filled(chunk.length, set),
                    ParameterNames.queryRows(layer)).castTo(DataType.DOUBLE));
        }
        return Nd4j.vstack(parts.toArray(INDArray[]::new)); // [rows, KV·hd]
    }

    /** L2-normalised frozen pooled queries {@code [n, D]} float64. */
    private INDArray queries(int[][] windows) {
        List<INDArray> parts = new ArrayList<>();
        for (int[] chunk : chunks(windows.length)) {
            INDArray q = model.pooledQueries(pick(windows, chunk)); // [b, D]
            parts.add(q.divColumnVector(q.norm2(1).reshape(-1, 1).addi(1e-12)));
        }
        return Nd4j.vstack(parts.toArray(INDArray[]::new));
    }

    /** Replaces the model by one with {@code sets} sets, keeping the old sets and initialising the new ones. */
    private void rebuild(int sets) {
        PrefixPrompts prompts = new PrefixPrompts(sets, promptConfig.length(), frozen.config().nKvHeads(),
                frozen.config().headDim(), layers, frozen.dataType());
        PromptedDecoder next = new PromptedDecoder(frozen, prompts);
        int old = promptSets();
        for (int s = old; s < sets; s++) {
            for (String name : prompts.parameterNames()) {
                next.variable(name).get(NDArrayIndex.point(s), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(initialPrompt(s, name, prompts.kvDim()));
            }
        }
        if (model != null) {
            PromptState.loadLeading(next, PromptState.copies(model));
        }
        model = next;
    }

    /** A new set's rows {@code [P, KV·hd]}: uniform [-1, 1], or with FFT the mean of the old sets. */
    private INDArray initialPrompt(int set, String name, int width) {
        if (mode == Mode.LW2G && lw2g.fftInit() && set > 0 && model != null) {
            return model.variable(name).get(NDArrayIndex.interval(0, set), NDArrayIndex.all(), NDArrayIndex.all())
                    .mean(0);
        }
        SplittableRandom rng = new SplittableRandom(seed + set + 1_000_003L * name.hashCode());
        double[][] v = new double[promptConfig.length()][width];
        for (double[] row : v) {
            for (int j = 0; j < width; j++) {
                row[j] = rng.nextDouble(-1, 1);
            }
        }
        return Nd4j.createFromArray(v).castTo(frozen.dataType());
    }

    private List<int[]> chunks(int n) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i += training.batchSize()) {
            int[] rows = new int[Math.min(n, i + training.batchSize()) - i];
            for (int j = 0; j < rows.length; j++) {
                rows[j] = i + j;
            }
            out.add(rows);
        }
        return out;
    }

    private static int[][] pick(int[][] values, int[] rows) {
        int[][] out = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = values[rows[i]];
        }
        return out;
    }

    private static int[] pick(int[] values, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = values[rows[i]];
        }
        return out;
    }

    private static String basisName(int set, int layer) {
        return "lw2g.set." + set + ".layer." + layer + ".basis";
    }

    /** An empty basis is not written (safetensors has no zero-size tensors here): its absence means rank 0. */
    private static void putBasis(Map<String, INDArray> tensors, String name, FeatureSubspace s) {
        if (s.rank() > 0) {
            tensors.put(name, s.basis());
        }
    }

    private FeatureSubspace basis(Map<String, INDArray> tensors, String name) {
        INDArray b = tensors.get(name);
        return b == null ? FeatureSubspace.empty(frozen.config().kvDim()) : FeatureSubspace.ofBasis(b);
    }
}
