package dev.sinter.models.config;

import dev.sinter.framework.config.Checks;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * Mixture-of-Experts feed-forward layers with DeepSpeed-MoE gating semantics (papers.md §3.4), resolved and
 * range-checked. A {@link ModelConfig} without one is dense.
 *
 * <p>Which layers are MoE: either every {@code moeEvery}-th layer, counted 1-based as DeepSpeed's
 * {@code --expert-interval} does (layers {@code every-1, 2·every-1, …} 0-based), or the explicit 0-based
 * {@code layers}; exactly one of the two is set. {@code experts} holds one expert count per MoE layer, in layer
 * order (a pyramid such as {@code [4, 4, 8]}).
 *
 * @param experts            experts per MoE layer, one entry per MoE layer
 * @param moeEvery           MoE on every n-th layer (1-based), or null when {@code layers} is given
 * @param layers             explicit 0-based MoE layer indices (strictly increasing), or null
 * @param topK               1 (top-1 gating) or 2 (second expert by the Gumbel-max rule in training, the second-best
 *                           otherwise; gates renormalised)
 * @param capacityFactor     training capacity factor: capacity = ceil(k · tokens / experts · factor)
 * @param evalCapacityFactor DeepSpeed's capacity factor for evaluation; accepted so DeepSpeed-style configs load, but
 *                           unused: outside training no token is dropped (capacity = the largest expert load)
 * @param minCapacity        lower bound of the capacity
 * @param dropTokens         false = capacity is the largest expert load (no token is ever dropped)
 * @param useRts             random token selection: which tokens an over-full expert keeps is random (else first-come)
 * @param auxLossCoef        weight of the summed load-balancing losses in the training loss
 * @param jitter             multiplicative router-input jitter ε, U(1−ε, 1+ε), training only (0 = off)
 * @param residual           Residual MoE: a dense MLP ({@code mlp.shared.*}) beside the experts
 * @param residualMix        {@code learned} (DeepSpeed: per-token 2-way softmax, {@code mlp.coefficient.weight})
 *                           or {@code sum} (the paper's plain sum)
 * @param expertHiddenDim    hidden width of each expert and of the residual MLP (null = the model's hidden_dim)
 */
public record MoeConfig(List<Integer> experts, Integer moeEvery, List<Integer> layers, int topK,
                        double capacityFactor, double evalCapacityFactor, int minCapacity, boolean dropTokens,
                        boolean useRts, double auxLossCoef, double jitter, boolean residual, String residualMix,
                        Integer expertHiddenDim) {
    public static final String MIX_LEARNED = "learned";
    public static final String MIX_SUM = "sum";

    public MoeConfig {
        if (experts == null || experts.isEmpty()) {
            throw new IllegalArgumentException("moe.experts must list the expert count of every MoE layer, got "
                    + experts + "; e.g. 'experts: [4, 4]'");
        }
        experts = List.copyOf(experts);
        for (int e : experts) {
            Checks.positive("moe.experts", e);
        }
        if ((moeEvery == null) == (layers == null)) {
            throw new IllegalArgumentException("moe.moe_every must be set alone, or moe.layers alone; got moe_every "
                    + moeEvery + " and layers " + layers + "; set one of them");
        }
        if (moeEvery != null) {
            Checks.positive("moe.moe_every", moeEvery);
        } else {
            layers = List.copyOf(layers);
            for (int j = 0; j < layers.size(); j++) {
                Checks.nonNegative("moe.layers", layers.get(j));
                if (j > 0 && layers.get(j) <= layers.get(j - 1)) {
                    throw new IllegalArgumentException("moe.layers must be strictly increasing 0-based layer indices,"
                            + " got " + layers);
                }
            }
        }
        if (topK != 1 && topK != 2) {
            throw new IllegalArgumentException("moe.top_k must be 1 or 2, got " + topK);
        }
        for (int j = 0; j < experts.size(); j++) {
            if (topK > experts.get(j)) {
                throw new IllegalArgumentException("moe.top_k must be <= the expert count of every MoE layer, got "
                        + "top_k " + topK + " with " + experts.get(j) + " expert(s) in MoE layer " + j
                        + "; lower top_k or add experts");
            }
        }
        Checks.positive("moe.capacity_factor", capacityFactor);
        Checks.positive("moe.eval_capacity_factor", evalCapacityFactor);
        Checks.nonNegative("moe.min_capacity", minCapacity);
        Checks.nonNegative("moe.aux_loss_coef", auxLossCoef);
        Checks.inRangeOpenHigh("moe.jitter", jitter, 0, 1);
        Checks.oneOf("moe.residual_mix", residualMix, MIX_LEARNED, MIX_SUM);
        if (expertHiddenDim != null) {
            Checks.positive("moe.expert_hidden_dim", expertHiddenDim);
        }
    }

    /** Top-k MoE with DeepSpeed's defaults (capacity factor 1, min capacity 4, RTS, aux coefficient 0.01). */
    public static MoeConfig of(List<Integer> experts, Integer moeEvery, List<Integer> layers, int topK,
                               boolean residual) {
        return new MoeConfig(experts, moeEvery, layers, topK, 1.0, 1.0, 4, true, true, 0.01, 0.0, residual,
                MIX_LEARNED, null);
    }

    /**
     * The 0-based MoE layer indices of a model with {@code nLayers} layers; checks that {@code experts} has one
     * entry per MoE layer and that every layer index exists.
     */
    public List<Integer> moeLayers(int nLayers) {
        List<Integer> out = new ArrayList<>();
        if (moeEvery != null) {
            for (int i = moeEvery - 1; i < nLayers; i += moeEvery) {
                out.add(i);
            }
        } else {
            for (int i : layers) {
                if (i >= nLayers) {
                    throw new IllegalArgumentException("moe.layers must be 0-based indices below n_layers " + nLayers
                            + ", got " + layers);
                }
                out.add(i);
            }
        }
        if (out.size() != experts.size()) {
            String where = moeEvery != null ? "moe_every " + moeEvery + " with n_layers " + nLayers + " gives MoE layers "
                    + out : "moe.layers is " + out;
            throw new IllegalArgumentException("moe.experts must have one entry per MoE layer (" + out.size()
                    + "), got " + experts.size() + " entries " + experts + "; " + where
                    + ", so give " + out.size() + " expert count(s)");
        }
        return out;
    }

    /**
     * The {@code model.moe:} YAML section: every field optional. Fields left null take the preset's MoE settings
     * (or DeepSpeed's defaults when the preset is dense); {@code experts} is required when the preset is dense.
     */
    public record Section(List<Integer> experts, Integer moeEvery, List<Integer> layers, Integer topK,
                          Double capacityFactor, Double evalCapacityFactor, Integer minCapacity, Boolean dropTokens,
                          Boolean useRts, Double auxLossCoef, Double jitter, Boolean residual, String residualMix,
                          Integer expertHiddenDim) {

        @JsonCreator
        public Section(@JsonProperty("experts") List<Integer> experts,
                       @JsonProperty("moe_every") Integer moeEvery,
                       @JsonProperty("layers") List<Integer> layers,
                       @JsonProperty("top_k") Integer topK,
                       @JsonProperty("capacity_factor") Double capacityFactor,
                       @JsonProperty("eval_capacity_factor") Double evalCapacityFactor,
                       @JsonProperty("min_capacity") Integer minCapacity,
                       @JsonProperty("drop_tokens") Boolean dropTokens,
                       @JsonProperty("use_rts") Boolean useRts,
                       @JsonProperty("aux_loss_coef") Double auxLossCoef,
                       @JsonProperty("jitter") Double jitter,
                       @JsonProperty("residual") Boolean residual,
                       @JsonProperty("residual_mix") String residualMix,
                       @JsonProperty("expert_hidden_dim") Integer expertHiddenDim) {
            if (experts != null && experts.stream().anyMatch(java.util.Objects::isNull)
                    || layers != null && layers.stream().anyMatch(java.util.Objects::isNull)) {
                throw new IllegalArgumentException("moe.experts and moe.layers must not contain null entries, got "
                        + experts + " / " + layers);
            }
            this.experts = experts;
            this.moeEvery = moeEvery;
            this.layers = layers;
            this.topK = topK;
            this.capacityFactor = capacityFactor;
            this.evalCapacityFactor = evalCapacityFactor;
            this.minCapacity = minCapacity;
            this.dropTokens = dropTokens;
            this.useRts = useRts;
            this.auxLossCoef = auxLossCoef;
            this.jitter = jitter;
            this.residual = residual;
            this.residualMix = residualMix;
            this.expertHiddenDim = expertHiddenDim;
        }

        /** The section that spells out every field of {@code c}. */
        public static Section of(MoeConfig c) {
            return new Section(c.experts(), c.moeEvery(), c.layers(), c.topK(), c.capacityFactor(),
                    c.evalCapacityFactor(), c.minCapacity(), c.dropTokens(), c.useRts(), c.auxLossCoef(), c.jitter(),
                    c.residual(), c.residualMix(), c.expertHiddenDim());
        }

        /** This section over {@code base} (a preset's MoE settings, or null for a dense preset). */
        public MoeConfig over(MoeConfig base) {
            if (base == null && experts == null) {
                Checks.required("moe.experts", experts);
            }
            MoeConfig b = base != null ? base : MoeConfig.of(experts, 2, null, 1, false);
            boolean placed = moeEvery != null || layers != null;
            return new MoeConfig(requireNonNullElse(experts, b.experts()),
                    placed ? moeEvery : b.moeEvery(), placed ? layers : b.layers(),
                    requireNonNullElse(topK, b.topK()), requireNonNullElse(capacityFactor, b.capacityFactor()),
                    requireNonNullElse(evalCapacityFactor, b.evalCapacityFactor()),
                    requireNonNullElse(minCapacity, b.minCapacity()), requireNonNullElse(dropTokens, b.dropTokens()),
                    requireNonNullElse(useRts, b.useRts()), requireNonNullElse(auxLossCoef, b.auxLossCoef()),
                    requireNonNullElse(jitter, b.jitter()), requireNonNullElse(residual, b.residual()),
                    requireNonNullElse(residualMix, b.residualMix()),
                    expertHiddenDim != null ? expertHiddenDim : b.expertHiddenDim());
        }
    }
}
