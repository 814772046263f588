package dev.sinter.encoders.continual;

import dev.sinter.encoders.BertNames;
import dev.sinter.encoders.EncodedBatch;
import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.models.prompt.PrefixPrompts;
import dev.sinter.trainers.lw2g.FeatureSubspace;
import dev.sinter.trainers.lw2g.GrowthDecision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * LW2G on prompt prefixes (papers.md §4.1), following the authors' code (RAIAN08/LW2G, {@code auto/common_utils.py}
 * and {@code auto/dualprompt/memory.py}) where it is coherent:
 * <ul>
 * <li>S_pre, one per prompt layer l ({@code pretrained_subspace_g[l]}), from the frozen model's (no prompt) output of
 * layer l ({@code feats_l[l]}, the block's output) at {@link Lw2gConfig#samplesPerClass()} examples per class of
 * every task ({@code get_pretrained_feature_and_space} loops over all tasks; {@code pretrained_tasks: first} keeps
 * the first task's classes), energy threshold {@code threshold_pretrained};</li>
 * <li>after each task, the trained set's S_k per prompt layer from that layer's attention queries with the set
 * active ({@code get_prefix_matrix} stores {@code attn.key_ = q}), GPM-updated with {@code threshold};</li>
 * <li>for a later task, one gradient pass over its training data per existing set k; per batch and prompt layer the
 * mean cosine between the rows of the <em>key</em> prefix gradient and their projections onto S_k and S_pre
 * ({@code get_angel} reads {@code grad[i][0]}, the key half, only); θ_k = acos of the mean over layers and batches,
 * ε the same angle against S_pre from the last set's pass; {@link GrowthDecision} reuses the set with the widest
 * angle when it exceeds ε, or grows;</li>
 * <li>while training, the key prefix gradients of the trained set lose λ of their S_pre part ({@code g ← g −
 * λ·g·P_pre}, CPK) and, when reusing, then keep only the part orthogonal to S_k ({@code grad_proj}); value prefixes
 * are not projected, as in {@code grad_proj}.</li>
 * </ul>
 * Where the code is not coherent we follow the paper's GPM reading: the authors' bases live in PCA coordinates (S_pre:
 * PCA to 768 components of the flattened token×channel features, whose Gram matrix is diagonal, so the basis is the
 * first r PCA axes; S_k: the 768×768 Gram matrix over 768 samples, so its basis vectors index samples) and are then
 * applied to the gradient's 768 channel coordinates; ours are bases of the channel space the gradient rows live in,
 * from token feature rows without PCA. The projection acts on gradients, as in the authors' code; Adam's per-element
 * scaling then makes the update itself only approximately orthogonal to S_k. With {@link Lw2gConfig#fftInit()} a new
 * set starts as the mean of the old ones.
 */
public final class Lw2gLearner extends PromptLearner {

    private final Lw2gConfig lw2g;
    private final Map<Integer, FeatureSubspace> pretrained = new TreeMap<>(); // prompt layer → S_pre over D
    private List<Item> pretrainedItems = List.of(); // the S_pre sample from every task (preview), or none
    private final List<Map<Integer, FeatureSubspace>> subspaces = new ArrayList<>(); // per set: layer → S_k
    private int reused = -1; // the set the current task reuses, or -1

    public Lw2gLearner(FrozenEncoder encoder, PromptConfig prompts, TrainingConfig training, Lw2gConfig lw2g,
                       long seed) {
        super(Mode.LW2G, encoder, prompts, training, seed);
        this.lw2g = lw2g;
    }

    /** S_k of set {@code set} at prompt layer {@code layer}. */
    public FeatureSubspace subspace(int set, int layer) {
        return subspaces.get(set).get(layer);
    }

    /** S_pre of prompt layer {@code layer}. */
    public FeatureSubspace pretrainedSubspace(int layer) {
        return pretrained.get(layer);
    }

    /** With {@code pretrained_tasks: all}, keeps {@code samples_per_class} training items per class of every task. */
    @Override
    public void preview(List<List<Item>> trainOfEveryTask) {
        if (!Lw2gConfig.ALL_TASKS.equals(lw2g.pretrainedTasks())) {
            return;
        }
        Map<Integer, Integer> taken = new TreeMap<>();
        List<Item> sample = new ArrayList<>();
        for (List<Item> train : trainOfEveryTask) {
            for (Item item : train) {
                if (taken.merge(item.label(), 1, Integer::sum) <= lw2g.samplesPerClass()) {
                    sample.add(item);
                }
            }
        }
        pretrainedItems = List.copyOf(sample);
    }

    /** S_pre per prompt layer from the previewed sample, or from the first task's examples without one. */
    @Override
    protected void firstTask(EncodedBatch data, int[] labels) {
        EncodedBatch sample;
        if (!pretrainedItems.isEmpty()) {
            sample = encode(pretrainedItems);
        } else {
            Map<Integer, Integer> taken = new TreeMap<>();
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (taken.merge(labels[i], 1, Integer::sum) <= lw2g.samplesPerClass()) {
                    rows.add(i);
                }
            }
            sample = data.select(rows.stream().mapToInt(Integer::intValue).toArray());
        }
        pretrained.clear();
        for (int l : layers()) {
            INDArray x = model().tokenRows(sample, filled(sample.batchSize(), -1), BertNames.layerOutput(l)); // [n, D]
            pretrained.put(l, FeatureSubspace.fromFeatures(lw2g.representation(x), lw2g.thresholdPretrained()));
        }
    }

    @Override
    protected Choice choose(int task, EncodedBatch data, int[] labels, boolean[] allowed) {
        Map<Integer, List<Map<Integer, INDArray>>> rows = new TreeMap<>();
        for (int k = 0; k < promptSets(); k++) {
            List<Map<Integer, INDArray>> batches = new ArrayList<>();
            for (int[] chunk : chunks(data.batchSize())) {
                Map<String, INDArray> grads = model().promptGradients(data.select(chunk), pick(labels, chunk),
                        filled(chunk.length, k), allowed);
                Map<Integer, INDArray> byLayer = new TreeMap<>();
                for (int l : layers()) {
                    byLayer.put(l, gradientRows(grads, l, k));
                }
                batches.add(byLayer);
            }
            rows.put(k, batches);
        }
        GrowthDecision decision = hfc(rows, subspaces, pretrained);
        reused = decision.reuse() ? decision.set() : -1;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("angles", new TreeMap<>(decision.angles()));
        details.put("epsilon", decision.epsilon());
        details.put("decision", decision.reuse() ? "reuse" : "grow");
        return new Choice(decision.set(), !decision.reuse(), details);
    }

    /**
     * The HFC test from the gradient pass: {@code gradientRows} per existing set k, per batch, per prompt layer the
     * rows {@code [P, D]} of set k's key prefix gradient; the mean cosine to S_k (and to that layer's S_pre) over
     * layers and batches gives θ_k (and set k's ε); ε is the last set's, as in the authors' code.
     */
    public static GrowthDecision hfc(Map<Integer, List<Map<Integer, INDArray>>> gradientRows,
                              List<Map<Integer, FeatureSubspace>> subspaces, Map<Integer, FeatureSubspace> pretrained) {
        Map<Integer, Double> toSet = new TreeMap<>();
        double toPretrained = Double.NaN;
        for (Map.Entry<Integer, List<Map<Integer, INDArray>>> e : new TreeMap<>(gradientRows).entrySet()) {
            double set = 0;
            double pre = 0;
            int count = 0;
            for (Map<Integer, INDArray> batch : e.getValue()) {
                for (Map.Entry<Integer, INDArray> layer : batch.entrySet()) {
                    set += subspaces.get(e.getKey()).get(layer.getKey()).meanCosine(layer.getValue());
                    pre += pretrained.get(layer.getKey()).meanCosine(layer.getValue());
                    count++;
                }
            }
            toSet.put(e.getKey(), set / count);
            toPretrained = pre / count; // the last set's pass
        }
        return GrowthDecision.decide(toSet, toPretrained);
    }

    @Override
    protected void transformPromptGradients(int set, Map<String, INDArray> gradients) {
        projectGradients(set, set == reused, gradients);
    }

    /**
     * The soft CPK term {@code g ← g − λ·g·P_pre} on set {@code set}'s key prefix gradient rows, then, when
     * {@code reuse}, the hard projection {@code g ← g − g·P_k} per layer. The hard step comes last so the result is
     * exactly orthogonal to S_k (in the other order the CPK term would put a component back into S_k).
     */
    void projectGradients(int set, boolean reuse, Map<String, INDArray> gradients) {
        project(gradients, set, pretrained, lw2g.cpkLambda(), reuse ? subspaces.get(set) : null);
    }

    /**
     * The projection step on set {@code set}'s rows of the key prefix gradients in {@code gradients} (in place; value
     * prefixes and the head are left alone, as in the authors' {@code grad_proj}): the CPK term with strength
     * {@code lambda} against the layer's S_pre in {@code pretrained}, then, when {@code setSubspaces} (prompt layer →
     * S_k) is given, the hard projection off S_k.
     */
    public static void project(Map<String, INDArray> gradients, int set, Map<Integer, FeatureSubspace> pretrained,
                               double lambda, Map<Integer, FeatureSubspace> setSubspaces) {
        for (Map.Entry<String, INDArray> e : gradients.entrySet()) {
            int layer = PrefixPrompts.layerOf(e.getKey());
            if (layer < 0 || !e.getKey().equals(PrefixPrompts.keyName(layer))) {
                continue;
            }
            INDArray rows = e.getValue().get(NDArrayIndex.point(set), NDArrayIndex.all(), NDArrayIndex.all()); // [P, D]
            INDArray out = pretrained.get(layer).removeFrom(rows, lambda);
            rows.assign(setSubspaces == null ? out : setSubspaces.get(layer).removeFrom(out, 1.0));
        }
    }

    @Override
    protected void afterTask(int task, int set, EncodedBatch data) {
        int n = Math.min(data.batchSize(), lw2g.featureExamples());
        EncodedBatch sample = data.select(java.util.stream.IntStream.range(0, n).toArray());
        if (set == subspaces.size()) {
            Map<Integer, FeatureSubspace> fresh = new TreeMap<>();
            layers().forEach(l -> fresh.put(l, FeatureSubspace.empty(model().dim())));
            subspaces.add(fresh);
        }
        for (int l : layers()) {
            INDArray x = model().tokenRows(sample, filled(n, set), BertNames.query(l)); // [n_tokens, D]
            subspaces.get(set).put(l, subspace(set, l).update(lw2g.representation(x), lw2g.threshold()));
        }
        reused = -1;
    }

    /**
     * FFT: with {@code fft_init}, a new set (not the first) is the mean of the old sets' prefixes (a restore, which
     * has no old sets yet and overwrites every set, draws the default).
     */
    @Override
    protected INDArray initialPrompt(int set, String name) {
        if (!lw2g.fftInit() || set == 0 || model() == null) {
            return super.initialPrompt(set, name);
        }
        INDArray old = model().variable(name).get(NDArrayIndex.interval(0, set), NDArrayIndex.all(),
                NDArrayIndex.all()); // [set, P, D]
        return old.mean(0);
    }

    @Override
    protected void saveExtra(Map<String, INDArray> tensors, Map<String, String> metadata) {
        for (int l : layers()) {
            putBasis(tensors, pretrainedName(l), pretrained.get(l));
        }
        for (int k = 0; k < subspaces.size(); k++) {
            for (int l : layers()) {
                putBasis(tensors, basisName(k, l), subspace(k, l));
            }
        }
        metadata.put("lw2g.subspace_sets", Integer.toString(subspaces.size()));
    }

    @Override
    protected void restoreExtra(Map<String, INDArray> tensors, Map<String, String> metadata) {
        int dim = model().dim();
        pretrained.clear();
        for (int l : layers()) {
            pretrained.put(l, basis(tensors, pretrainedName(l), dim));
        }
        pretrainedItems = List.of();
        subspaces.clear();
        int sets = Integer.parseInt(metadata.get("lw2g.subspace_sets"));
        for (int k = 0; k < sets; k++) {
            Map<Integer, FeatureSubspace> byLayer = new TreeMap<>();
            for (int l : layers()) {
                byLayer.put(l, basis(tensors, basisName(k, l), dim));
            }
            subspaces.add(byLayer);
        }
        reused = -1;
    }

    /** The set's key prefix gradient rows at layer l, {@code [P, D]} (the authors' {@code grad[i][0][prompt_id]}). */
    private static INDArray gradientRows(Map<String, INDArray> grads, int layer, int set) {
        return grads.get(PrefixPrompts.keyName(layer)).get(NDArrayIndex.point(set), NDArrayIndex.all(),
                NDArrayIndex.all()).dup();
    }

    private static String pretrainedName(int layer) {
        return "lw2g.pretrained.layer." + layer + ".basis";
    }

    private static String basisName(int set, int layer) {
        return "lw2g.set." + set + ".layer." + layer + ".basis";
    }

    /** An empty basis [D, 0] is not written (safetensors has no zero-size tensors here): its absence means rank 0. */
    private static void putBasis(Map<String, INDArray> tensors, String name, FeatureSubspace s) {
        if (s.rank() > 0) {
            tensors.put(name, s.basis());
        }
    }

    private static FeatureSubspace basis(Map<String, INDArray> tensors, String name, int dim) {
        INDArray b = tensors.get(name);
        return b == null ? FeatureSubspace.empty(dim) : FeatureSubspace.ofBasis(b);
    }
}
