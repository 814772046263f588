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
 * order (a pyramid such as {@code [4, 4, 8]}). Code builds one with {@link #builder(List)} or {@link #of}; the
 * positional canonical constructor is public only because a record's must be.
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
 * @param useRts             random token selection for top-1 gating: which tokens an over-full expert keeps is random
 *                           (else first-come). DeepSpeed's {@code top2gating} has none, so top-2 always queues tokens
 *                           first-come (first choices before second choices), whatever this says
 * @param auxLossCoef        weight of the summed load-balancing losses in the training loss
 * @param jitter             multiplicative router-input jitter ε, U(1−ε, 1+ε), training only (0 = off)
 * @param residual           Residual MoE: a dense MLP ({@code mlp.shared.*}) beside the experts
 * @param residualMix        {@code learned} (DeepSpeed: per-token 2-way softmax, {@code mlp.coefficient.weight})
 *                           or {@code sum} (the paper's plain sum)
 * @param expertHiddenDim    hidden width of each expert and of the residual MLP (null = the model's hidden_dim)
 * @param coefficientBias    the learned mix's {@code Linear(D, 2)} has a bias {@code mlp.coefficient.bias [2]}, as
 *                           DeepSpeed's {@code coefficient} does; off by default because checkpoints written before
 *                           the option existed have no such tensor (off = a bias fixed at 0)
 */
public record MoeConfig(List<Integer> experts, Integer moeEvery, List<Integer> layers, int topK,
                        double capacityFactor, double evalCapacityFactor, int minCapacity, boolean dropTokens,
                        boolean useRts, double auxLossCoef, double jitter, boolean residual, String residualMix,
                        Integer expertHiddenDim, boolean coefficientBias) {
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
        if (coefficientBias && !(residual && residualMix.equals(MIX_LEARNED))) {
            throw new IllegalArgumentException("moe.coefficient_bias is the bias of the residual MoE's learned mix;"
                    + " set residual: true and residual_mix: learned, or drop coefficient_bias");
        }
    }

    /** Whether tokens claim expert capacity in a random order: {@code use_rts} under top-1 (DeepSpeed's top-2 has none). */
    public boolean randomTokenSelection() {
        return useRts && topK == 1;
    }

    /** Whether the residual MoE's learned mix is in the graph ({@code mlp.coefficient.weight}). */
    public boolean learnedMix() {
        return residual && residualMix.equals(MIX_LEARNED);
    }

    /** Top-k MoE with DeepSpeed's defaults (capacity factor 1, min capacity 4, RTS, aux coefficient 0.01). */
    public static MoeConfig of(List<Integer> experts, Integer moeEvery, List<Integer> layers, int topK,
                               boolean residual) {
        return builder(experts).moeEvery(moeEvery).layers(layers).topK(topK).residual(residual).build();
    }

    /**
     * A builder for MoE layers with {@code experts} per layer and DeepSpeed's defaults: top-1, capacity factors 1,
     * min capacity 4, tokens dropped, random token selection, aux coefficient 0.01, no jitter, no residual MLP
     * (learned mix when enabled), experts as wide as the model's MLP. Place the layers with {@link Builder#moeEvery}
     * or {@link Builder#layers}.
     */
    public static Builder builder(List<Integer> experts) {
        return new Builder(experts);
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return new Builder(experts).moeEvery(moeEvery).layers(layers).topK(topK).capacityFactor(capacityFactor)
                .evalCapacityFactor(evalCapacityFactor).minCapacity(minCapacity).dropTokens(dropTokens).useRts(useRts)
                .auxLossCoef(auxLossCoef).jitter(jitter).residual(residual).residualMix(residualMix)
                .expertHiddenDim(expertHiddenDim).coefficientBias(coefficientBias);
    }

    /** Names every field of a {@link MoeConfig}; {@link #build} range-checks them as the record does. */
    public static final class Builder {
        private List<Integer> experts;
        private Integer moeEvery;
        private List<Integer> layers;
        private int topK = 1;
        private double capacityFactor = 1.0;
        private double evalCapacityFactor = 1.0;
        private int minCapacity = 4;
        private boolean dropTokens = true;
        private boolean useRts = true;
        private double auxLossCoef = 0.01;
        private double jitter;
        private boolean residual;
        private String residualMix = MIX_LEARNED;
        private Integer expertHiddenDim;
        private boolean coefficientBias;

        private Builder(List<Integer> experts) {
            this.experts = experts;
        }

        /** Experts per MoE layer, one entry per MoE layer. */
        public Builder experts(List<Integer> experts) {
            this.experts = experts;
            return this;
        }

        /** MoE on every n-th layer (1-based); null when {@link #layers} places them. */
        public Builder moeEvery(Integer moeEvery) {
            this.moeEvery = moeEvery;
            return this;
        }

        /** Explicit 0-based MoE layer indices; null when {@link #moeEvery} places them. */
        public Builder layers(List<Integer> layers) {
            this.layers = layers;
            return this;
        }

        /** 1 or 2 experts per token. */
        public Builder topK(int topK) {
            this.topK = topK;
            return this;
        }

        /** Training capacity factor. */
        public Builder capacityFactor(double capacityFactor) {
            this.capacityFactor = capacityFactor;
            return this;
        }

        /** DeepSpeed's evaluation capacity factor (accepted, unused). */
        public Builder evalCapacityFactor(double evalCapacityFactor) {
            this.evalCapacityFactor = evalCapacityFactor;
            return this;
        }

        /** Lower bound of the capacity. */
        public Builder minCapacity(int minCapacity) {
            this.minCapacity = minCapacity;
            return this;
        }

        /** Whether an over-full expert drops tokens. */
        public Builder dropTokens(boolean dropTokens) {
            this.dropTokens = dropTokens;
            return this;
        }

        /** Random token selection (else first-come). */
        public Builder useRts(boolean useRts) {
            this.useRts = useRts;
            return this;
        }

        /** Weight of the load-balancing loss. */
        public Builder auxLossCoef(double auxLossCoef) {
            this.auxLossCoef = auxLossCoef;
            return this;
        }

        /** Multiplicative router-input jitter ε (0 = off). */
        public Builder jitter(double jitter) {
            this.jitter = jitter;
            return this;
        }

        /** Residual MoE: a dense MLP beside the experts. */
        public Builder residual(boolean residual) {
            this.residual = residual;
            return this;
        }

        /** {@code learned} or {@code sum}. */
        public Builder residualMix(String residualMix) {
            this.residualMix = residualMix;
            return this;
        }

        /** Hidden width of each expert (null = the model's hidden_dim). */
        public Builder expertHiddenDim(Integer expertHiddenDim) {
            this.expertHiddenDim = expertHiddenDim;
            return this;
        }

        /** A bias on the learned mix (DeepSpeed's {@code coefficient} has one). */
        public Builder coefficientBias(boolean coefficientBias) {
            this.coefficientBias = coefficientBias;
            return this;
        }

        /** The range-checked config. */
        public MoeConfig build() {
            return new MoeConfig(experts, moeEvery, layers, topK, capacityFactor, evalCapacityFactor, minCapacity,
                    dropTokens, useRts, auxLossCoef, jitter, residual, residualMix, expertHiddenDim, coefficientBias);
        }
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
                          Integer expertHiddenDim, Boolean coefficientBias) {

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
                       @JsonProperty("expert_hidden_dim") Integer expertHiddenDim,
                       @JsonProperty("coefficient_bias") Boolean coefficientBias) {
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
            this.coefficientBias = coefficientBias;
        }

        /** The section that spells out every field of {@code c}. */
        public static Section of(MoeConfig c) {
            return new Section(c.experts(), c.moeEvery(), c.layers(), c.topK(), c.capacityFactor(),
                    c.evalCapacityFactor(), c.minCapacity(), c.dropTokens(), c.useRts(), c.auxLossCoef(), c.jitter(),
                    c.residual(), c.residualMix(), c.expertHiddenDim(), c.coefficientBias());
        }

        /** This section over {@code base} (a preset's MoE settings, or null for a dense preset). */
        public MoeConfig over(MoeConfig base) {
            if (base == null && experts == null) {
                Checks.required("moe.experts", experts);
            }
            MoeConfig b = base != null ? base : MoeConfig.of(experts, 2, null, 1, false);
            boolean placed = moeEvery != null || layers != null;
            return b.toBuilder().experts(requireNonNullElse(experts, b.experts()))
                    .moeEvery(placed ? moeEvery : b.moeEvery()).layers(placed ? layers : b.layers())
                    .topK(requireNonNullElse(topK, b.topK()))
                    .capacityFactor(requireNonNullElse(capacityFactor, b.capacityFactor()))
                    .evalCapacityFactor(requireNonNullElse(evalCapacityFactor, b.evalCapacityFactor()))
                    .minCapacity(requireNonNullElse(minCapacity, b.minCapacity()))
                    .dropTokens(requireNonNullElse(dropTokens, b.dropTokens()))
                    .useRts(requireNonNullElse(useRts, b.useRts()))
                    .auxLossCoef(requireNonNullElse(auxLossCoef, b.auxLossCoef()))
                    .jitter(requireNonNullElse(jitter, b.jitter())).residual(requireNonNullElse(residual, b.residual()))
                    .residualMix(requireNonNullElse(residualMix, b.residualMix()))
                    .expertHiddenDim(expertHiddenDim != null ? expertHiddenDim : b.expertHiddenDim())
                    .coefficientBias(requireNonNullElse(coefficientBias, b.coefficientBias())).build();
        }
    }
}
