package dev.sinter.encoders.continual;

import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.EncodedBatch;
import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.framework.train.TrainingHooks;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.models.prompt.PrefixPrompts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Prompt-based class-incremental learning on a frozen encoder ({@link PromptedClassifier}): every task trains one
 * prompt set (prefix keys and values, {@link PromptConfig}) and the shared head with the task's classes only, then
 * records the set's retrieval key. {@link Mode#SEQUENTIAL} trains one shared set task after task (the lower bound);
 * {@link Mode#ALWAYS_GROW} adds a set per task (S-Prompts-like); {@link Lw2gLearner} decides per task.
 *
 * <p>Retrieval (DualPrompt): an input's query is the frozen model's L2-normalised pooled feature (no prompt), and it
 * uses the set whose key has the highest cosine with it. A key is the mean query of the training examples of the
 * tasks that trained the set, not a learned key: it needs no extra loss, cannot drift from the frozen features it is
 * compared with, and a reused set's key follows the tasks it serves (S-Prompts keys are likewise feature centroids).
 *
 * <p>Training is Adam on the prompts and the head with no weight decay whatever {@code training.weight_decay} says
 * (DualPrompt's optimiser; decoupled decay would also shrink the other sets, which get zero gradient), one fresh
 * optimiser per task, sampled with seed {@code seed + task}. New sets start uniform in [-1, 1] (seed {@code seed +
 * set}), new head rows N(0, 0.02²) (seed {@code seed + class}), so a restored learner continues exactly.
 */
public class PromptLearner implements ContinualLearner {
    /** How a task's prompt set is chosen. */
    public enum Mode {
        /** One shared set, trained task after task. */
        SEQUENTIAL("sequential-prompt"),
        /** A new set per task. */
        ALWAYS_GROW("always-grow"),
        /** LW2G's HFC test ({@link Lw2gLearner}). */
        LW2G("lw2g");

        private final String method;

        Mode(String method) {
            this.method = method;
        }
    }

    private static final String STATE_FILE = "prompt-learner.safetensors";

    private final Mode mode;
    private final FrozenEncoder encoder;
    private final PromptConfig promptConfig;
    private final SortedSet<Integer> layers;
    private final TrainingConfig training;
    private final long seed;
    private final List<Integer> taskToSet = new ArrayList<>();
    private final RetrievalKeys keys = new RetrievalKeys();
    private PromptedClassifier model; // null before the first task

    protected PromptLearner(Mode mode, FrozenEncoder encoder, PromptConfig prompts, TrainingConfig training, long seed) {
        this.mode = mode;
        this.encoder = encoder;
        this.promptConfig = prompts;
        this.layers = prompts.layersFor(encoder.config().nLayers());
        this.training = new TrainingConfig(training.steps(), training.batchSize(), training.microBatchSize(),
                training.lr(), training.minLr(), training.warmupSteps(), 0.0, training.beta1(), training.beta2(),
                training.eps(), training.gradClip(), training.steps(), 1, training.logEvery());
        this.seed = seed;
    }

    /** One shared prompt set trained task after task (the lower bound). */
    public static PromptLearner sequential(FrozenEncoder encoder, PromptConfig prompts, TrainingConfig training,
                                           long seed) {
        return new PromptLearner(Mode.SEQUENTIAL, encoder, prompts, training, seed);
    }

    /** A new prompt set per task (S-Prompts-like). */
    public static PromptLearner alwaysGrow(FrozenEncoder encoder, PromptConfig prompts, TrainingConfig training,
                                           long seed) {
        return new PromptLearner(Mode.ALWAYS_GROW, encoder, prompts, training, seed);
    }

    @Override
    public String name() {
        return mode.method;
    }

    @Override
    public int promptSets() {
        return model == null ? 0 : model.prompts().sets();
    }

    /** The prompt set task {@code task} trained (and should retrieve). */
    public int setOfTask(int task) {
        return taskToSet.get(task);
    }

    /** Prompt-retrieval accuracy of task {@code task}'s test predictions: the share that used the task's set. */
    public double promptRetrievalAccuracy(int task, Predictions predictions) {
        int set = setOfTask(task);
        int[] used = predictions.promptSets();
        return used.length == 0 ? Double.NaN : Arrays.stream(used).filter(s -> s == set).count() / (double) used.length;
    }

    @Override
    public LearnReport learn(int task, List<String> classes, List<Integer> taskClasses, List<Item> train,
                             List<Item> validation) {
        if (task != taskToSet.size()) {
            throw new IllegalArgumentException("task " + task + " after " + taskToSet.size()
                    + " learned tasks: tasks are learned in order from 0");
        }
        if (train.isEmpty() || taskClasses.isEmpty()) {
            throw new IllegalArgumentException("task " + task + " has no training items or no classes");
        }
        boolean[] allowed = new boolean[classes.size()];
        taskClasses.forEach(c -> allowed[c] = true);
        int[] labels = train.stream().mapToInt(Item::label).toArray();
        for (int y : labels) {
            if (y < 0 || y >= allowed.length || !allowed[y]) {
                throw new IllegalArgumentException("task " + task + " has an item of class " + y
                        + ", which is not among its classes " + taskClasses);
            }
        }
        EncodedBatch data = encoder.encode().apply(train);
        Choice choice;
        if (model == null) {
            rebuild(1, classes.size());
            firstTask(data, labels);
            choice = new Choice(0, true, Map.of());
        } else {
            if (model.classes() < classes.size()) {
                rebuild(promptSets(), classes.size());
            }
            choice = choose(task, data, labels, allowed);
            if (choice.grow()) {
                rebuild(promptSets() + 1, classes.size());
                choice = new Choice(promptSets() - 1, true, choice.details());
            }
        }
        int set = choice.set();
        int n = data.batchSize();
        model.feed(data, labels, filled(n, set), allowed);
        TrainingHooks hooks = new TrainingHooks() {
            @Override
            public List<String> trainableParameters(TrainableModel m) {
                return m.parameterNames();
            }

            @Override
            public void transformGradients(long step, Map<String, INDArray> gradients) {
                transformPromptGradients(set, gradients);
            }
        };
        new TrainingLoop(model, training, hooks, new BatchSampler(BertEncoder.indexStream(n), 1, seed + task),
                new int[0][]).run();
        keys.add(set, queries(data));
        taskToSet.add(set);
        afterTask(task, set, data);
        return new LearnReport(set, choice.grow(), choice.details());
    }

    @Override
    public Predictions predict(List<Item> test) {
        if (model == null) {
            throw new IllegalStateException("the " + name() + " learner has learned no task yet");
        }
        EncodedBatch data = encoder.encode().apply(test);
        int[] sets = keys.nearest(queries(data));
        boolean[] all = new boolean[model.classes()];
        Arrays.fill(all, true);
        int[] labels = new int[data.batchSize()];
        for (int[] rows : chunks(data.batchSize())) {
            INDArray logits = model.output(data.select(rows), pick(sets, rows), all, PromptedClassifier.LOGITS)
                    .get(PromptedClassifier.LOGITS); // [b, C]
            INDArray best = logits.argMax(1);
            for (int i = 0; i < rows.length; i++) {
                labels[rows[i]] = best.getInt(i);
            }
        }
        return new Predictions(labels, sets);
    }

    @Override
    public void save(Path dir) throws IOException {
        if (model == null) {
            throw new IllegalStateException("the " + name() + " learner has nothing to save before its first task");
        }
        PromptState state = PromptState.of(name(), model, promptSets(), taskToSet);
        state.metadata().put("classes", Integer.toString(model.classes()));
        keys.saveTo(state.tensors());
        saveExtra(state.tensors(), state.metadata());
        state.write(dir, STATE_FILE);
    }

    @Override
    public void restore(Path dir) throws IOException {
        PromptState state = PromptState.read(dir, STATE_FILE, name());
        model = null;
        rebuild(state.sets(), Integer.parseInt(state.metadata().get("classes")));
        state.loadInto(model);
        keys.restoreFrom(state.tensors());
        taskToSet.clear();
        taskToSet.addAll(state.taskToSet());
        restoreExtra(state.tensors(), state.metadata());
    }

    /** A task's prompt set: {@code set} to reuse, or {@code grow} a new one; {@code details} go to the report. */
    protected record Choice(int set, boolean grow, Map<String, Object> details) {
    }

    /** Picks the set of task {@code task} (> 0) from its training data; the head already covers its classes. */
    protected Choice choose(int task, EncodedBatch data, int[] labels, boolean[] allowed) {
        return switch (mode) {
            case SEQUENTIAL -> new Choice(0, false, Map.of());
            case ALWAYS_GROW -> new Choice(-1, true, Map.of());
            case LW2G -> throw new IllegalStateException("LW2G's choice is made by Lw2gLearner");
        };
    }

    /** Called once the first task's model (one set) exists, before training it. */
    protected void firstTask(EncodedBatch data, int[] labels) {
    }

    /**
     * The initial prefix rows {@code [P, kvDim]} of the new set {@code set} for parameter {@code name}, drawn while
     * {@link #model()} still holds the sets before it (null for the first).
     */
    protected INDArray initialPrompt(int set, String name) {
        SplittableRandom rng = new SplittableRandom(seed + set + 1_000_003L * name.hashCode());
        int rows = promptConfig.length();
        int cols = encoder.config().dim();
        double[][] v = new double[rows][cols];
        for (double[] row : v) {
            for (int j = 0; j < cols; j++) {
                row[j] = rng.nextDouble(-1, 1);
            }
        }
        return Nd4j.createFromArray(v).castTo(encoder.dataType());
    }

    /** Changes the averaged gradients of one step before clipping (prefixes of {@code set} and the head). */
    protected void transformPromptGradients(int set, Map<String, INDArray> gradients) {
    }

    /** Called after task {@code task} trained set {@code set}. */
    protected void afterTask(int task, int set, EncodedBatch data) {
    }

    /** Adds the method's tensors and metadata to a checkpoint. */
    protected void saveExtra(Map<String, INDArray> tensors, Map<String, String> metadata) {
    }

    /** Restores what {@link #saveExtra} wrote. */
    protected void restoreExtra(Map<String, INDArray> tensors, Map<String, String> metadata) {
    }

    /** {@code items} encoded as the run's encoder encodes every task. */
    protected EncodedBatch encode(List<Item> items) {
        return encoder.encode().apply(items);
    }

    protected PromptedClassifier model() {
        return model;
    }

    protected SortedSet<Integer> layers() {
        return layers;
    }

    /** Row index chunks of at most the training batch size over {@code n} examples. */
    protected List<int[]> chunks(int n) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i += training.batchSize()) {
            out.add(IntStream.range(i, Math.min(n, i + training.batchSize())).toArray());
        }
        return out;
    }

    protected static int[] filled(int n, int value) {
        int[] out = new int[n];
        Arrays.fill(out, value);
        return out;
    }

    protected static int[] pick(int[] values, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = values[rows[i]];
        }
        return out;
    }

    /** The frozen, L2-normalised pooled features (no prompt) of every example: {@code [n, D]} float64. */
    INDArray queries(EncodedBatch data) {
        List<INDArray> parts = new ArrayList<>();
        for (int[] rows : chunks(data.batchSize())) {
            parts.add(model.output(data.select(rows), filled(rows.length, -1), new boolean[model.classes()],
                    BertEncoder.SENTENCE_EMBEDDING).get(BertEncoder.SENTENCE_EMBEDDING).castTo(DataType.DOUBLE));
        }
        return Nd4j.vstack(parts.toArray(INDArray[]::new));
    }

    /** Replaces the model by one with {@code sets} sets and {@code classes} head rows, keeping the leading state. */
    private void rebuild(int sets, int classes) {
        var cfg = encoder.config();
        PrefixPrompts prompts = new PrefixPrompts(sets, promptConfig.length(), cfg.nHeads(), cfg.headDim(), layers,
                encoder.dataType());
        PromptedClassifier next = new PromptedClassifier(cfg, encoder.dataType(), prompts, classes, encoder.weights());
        int oldSets = promptSets();
        int oldClasses = model == null ? 0 : model.classes();
        for (int s = oldSets; s < sets; s++) {
            for (String name : prompts.parameterNames()) {
                next.variable(name).get(NDArrayIndex.point(s), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(initialPrompt(s, name));
            }
        }
        INDArray head = next.variable(PromptedClassifier.HEAD_WEIGHT);
        for (int c = oldClasses; c < classes; c++) {
            SplittableRandom rng = new SplittableRandom(seed + c);
            for (int j = 0; j < cfg.dim(); j++) {
                head.putScalar(c, j, rng.nextGaussian() * 0.02);
            }
        }
        if (model != null) {
            PromptState.loadLeading(next, PromptState.copies(model));
        }
        model = next;
    }
}
