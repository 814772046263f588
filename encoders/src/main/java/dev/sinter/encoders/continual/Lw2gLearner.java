package dev.sinter.encoders.continual;

import dev.sinter.encoders.EncodedBatch;
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
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * LW2G on prompt prefixes (papers.md §4.1): S_pre from the frozen model's inputs of the prompt layers at
 * {@link Lw2gConfig#samplesPerClass()} examples per class of the first task; after each task, the trained set's
 * GPM subspace S_k per prompt layer is updated from that layer's inputs with the set active. For a later task, one
 * gradient pass over its training data per existing set k gives the mean cosines of the prefix gradient rows to S_k
 * and to S_pre, and {@link GrowthDecision} reuses the set with the widest angle θ_k when it exceeds ε, or grows. While
 * training, every trained set's prefix gradients lose λ of their S_pre part ({@code g ← g − λ·g·P_pre}, CPK), and a
 * reused set's then keep only the part orthogonal to S_k ({@code g ← g − g·P_k}, per layer). The projection acts on
 * gradients, as in the authors' code; Adam's per-element scaling then makes the update itself only approximately
 * orthogonal to S_k. With
 * {@link Lw2gConfig#fftInit()} a new set starts as the mean of the old ones.
 */
public final class Lw2gLearner extends PromptLearner {
    private static final String PRETRAINED = "lw2g.pretrained_basis";

    private final Lw2gConfig lw2g;
    private FeatureSubspace pretrained; // S_pre over D
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

    /** S_pre. */
    public FeatureSubspace pretrainedSubspace() {
        return pretrained;
    }

    @Override
    protected void firstTask(EncodedBatch data, int[] labels) {
        Map<Integer, Integer> taken = new TreeMap<>();
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (taken.merge(labels[i], 1, Integer::sum) <= lw2g.samplesPerClass()) {
                rows.add(i);
            }
        }
        EncodedBatch sample = data.select(rows.stream().mapToInt(Integer::intValue).toArray());
        List<INDArray> features = new ArrayList<>();
        for (int l : layers()) {
            features.add(model().layerInputs(sample, filled(sample.batchSize(), -1), l)); // [n, D], frozen
        }
        pretrained = FeatureSubspace.fromFeatures(Nd4j.vstack(features.toArray(INDArray[]::new)).transpose().dup('c'),
                lw2g.thresholdPretrained());
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
     * rows {@code [2P, D]} of set k's prefix gradient; the mean cosine to S_k (and to S_pre) over layers and batches
     * gives θ_k (and set k's ε); ε is the mean over the sets' passes (see {@link GrowthDecision#decide}).
     */
    public static GrowthDecision hfc(Map<Integer, List<Map<Integer, INDArray>>> gradientRows,
                              List<Map<Integer, FeatureSubspace>> subspaces, FeatureSubspace pretrained) {
        Map<Integer, Double> toSet = new TreeMap<>();
        double toPretrained = 0;
        for (Map.Entry<Integer, List<Map<Integer, INDArray>>> e : gradientRows.entrySet()) {
            double set = 0;
            double pre = 0;
            int count = 0;
            for (Map<Integer, INDArray> batch : e.getValue()) {
                for (Map.Entry<Integer, INDArray> layer : batch.entrySet()) {
                    set += subspaces.get(e.getKey()).get(layer.getKey()).meanCosine(layer.getValue());
                    pre += pretrained.meanCosine(layer.getValue());
                    count++;
                }
            }
            toSet.put(e.getKey(), set / count);
            toPretrained += pre / count;
        }
        return GrowthDecision.decide(toSet, toPretrained / gradientRows.size());
    }

    @Override
    protected void transformPromptGradients(int set, Map<String, INDArray> gradients) {
        projectGradients(set, set == reused, gradients);
    }

    /**
     * The soft CPK term {@code g ← g − λ·g·P_pre} on set {@code set}'s prefix gradient rows, then, when {@code reuse},
     * the hard projection {@code g ← g − g·P_k} per layer. The hard step comes last so the result is exactly
     * orthogonal to S_k (in the other order the CPK term would put a component back into S_k).
     */
    void projectGradients(int set, boolean reuse, Map<String, INDArray> gradients) {
        project(gradients, set, pretrained, lw2g.cpkLambda(), reuse ? subspaces.get(set) : null);
    }

    /**
     * The projection step on set {@code set}'s rows of the prefix gradients {@code gradients} (in place): the CPK term
     * with strength {@code lambda} against {@code pretrained}, then, when {@code setSubspaces} (prompt layer → S_k) is
     * given, the hard projection off S_k; the prompt layers are the keys of {@code setSubspaces} or, without them,
     * every layer that has prefix gradients.
     */
    public static void project(Map<String, INDArray> gradients, int set, FeatureSubspace pretrained, double lambda,
                               Map<Integer, FeatureSubspace> setSubspaces) {
        for (Map.Entry<String, INDArray> e : gradients.entrySet()) {
            int layer = PrefixPrompts.layerOf(e.getKey());
            if (layer < 0) {
                continue;
            }
            INDArray rows = e.getValue().get(NDArrayIndex.point(set), NDArrayIndex.all(), NDArrayIndex.all()); // [P, D]
            INDArray out = pretrained.removeFrom(rows, lambda);
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
            INDArray x = model().layerInputs(sample, filled(n, set), l); // [n_tokens, D]
            subspaces.get(set).put(l, subspace(set, l).update(x.transpose().dup('c'), lw2g.threshold()));
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
        putBasis(tensors, PRETRAINED, pretrained);
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
        pretrained = basis(tensors, PRETRAINED, dim);
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

    /** The set's gradient rows at layer l: key rows then value rows, {@code [2P, D]}. */
    private static INDArray gradientRows(Map<String, INDArray> grads, int layer, int set) {
        List<INDArray> parts = new ArrayList<>();
        for (String name : List.of(PrefixPrompts.keyName(layer), PrefixPrompts.valueName(layer))) {
            parts.add(grads.get(name).get(NDArrayIndex.point(set), NDArrayIndex.all(), NDArrayIndex.all()));
        }
        return Nd4j.vstack(parts.toArray(INDArray[]::new));
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
