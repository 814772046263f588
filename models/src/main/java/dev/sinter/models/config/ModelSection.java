package dev.sinter.models.config;

import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.Suggest;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code model:} section of a run config: a registered {@link ModelPreset} plus optional per-field overrides.
 * Every component after {@code from} overrides the same-named {@link ModelConfig} field when non-null. Construction
 * fills the fields left null from the preset and validates the combination, so afterwards all fields except
 * {@code from} are non-null and {@link #resolve()} cannot fail.
 *
 * @param name the preset (one of {@link ModelPreset#registry()})
 * @param from optional checkpoint directory or llama2.c {@code .bin} to start from (null = random init)
 * @param moe  MoE settings over the preset's (see {@link MoeConfig.Section}); after construction it spells out
 *             every MoE field, or is null for a dense model
 */
public record ModelSection(String name, String from, Integer dim, Integer nLayers, Integer nHeads, Integer nKvHeads,
                           Integer hiddenDim, Integer vocabSize, Integer maxSeqLen, String norm, Double normEps,
                           String positions, String ropeStyle, Double ropeTheta, String mlp, Boolean tieEmbeddings,
                           Double initStd, MoeConfig.Section moe) {

    @JsonCreator
    public ModelSection {
        Checks.required("name", name);
        List<String> presets = ModelPreset.registry().names();
        ModelConfig preset = ModelPreset.registry().find(name).map(ModelPreset::config).orElseThrow(() ->
                new IllegalArgumentException("name must be one of " + String.join(", ", presets) + ", got '" + name
                        + "'" + Suggest.didYouMean(name, presets)));
        Checks.nonBlank("from", from);
        dim = requireNonNullElse(dim, preset.dim());
        nLayers = requireNonNullElse(nLayers, preset.nLayers());
        nHeads = requireNonNullElse(nHeads, preset.nHeads());
        nKvHeads = requireNonNullElse(nKvHeads, preset.nKvHeads());
        hiddenDim = requireNonNullElse(hiddenDim, preset.hiddenDim());
        vocabSize = requireNonNullElse(vocabSize, preset.vocabSize());
        maxSeqLen = requireNonNullElse(maxSeqLen, preset.maxSeqLen());
        norm = requireNonNullElse(norm, preset.norm());
        normEps = requireNonNullElse(normEps, preset.normEps());
        positions = requireNonNullElse(positions, preset.positions());
        ropeStyle = requireNonNullElse(ropeStyle, preset.ropeStyle());
        ropeTheta = requireNonNullElse(ropeTheta, preset.ropeTheta());
        mlp = requireNonNullElse(mlp, preset.mlp());
        tieEmbeddings = requireNonNullElse(tieEmbeddings, preset.tieEmbeddings());
        initStd = requireNonNullElse(initStd, preset.initStd());
        MoeConfig moeConfig = moe == null ? preset.moe() : moe.over(preset.moe());
        moe = moeConfig == null ? null : MoeConfig.Section.of(moeConfig);
        // validates ranges and the combination (e.g. dim divisible by n_heads, one expert count per MoE layer)
        ModelConfig.builder().dim(dim).nLayers(nLayers).nHeads(nHeads).nKvHeads(nKvHeads).hiddenDim(hiddenDim)
                .vocabSize(vocabSize).maxSeqLen(maxSeqLen).norm(norm).normEps(normEps).positions(positions)
                .ropeStyle(ropeStyle).ropeTheta(ropeTheta).mlp(mlp).tieEmbeddings(tieEmbeddings).initStd(initStd)
                .moe(moeConfig).build();
    }

    /** A section without MoE overrides (the preset's MoE settings, if any, apply). */
    public ModelSection(String name, String from, Integer dim, Integer nLayers, Integer nHeads, Integer nKvHeads,
                        Integer hiddenDim, Integer vocabSize, Integer maxSeqLen, String norm, Double normEps,
                        String positions, String ropeStyle, Double ropeTheta, String mlp, Boolean tieEmbeddings,
                        Double initStd) {
        this(name, from, dim, nLayers, nHeads, nKvHeads, hiddenDim, vocabSize, maxSeqLen, norm, normEps, positions,
                ropeStyle, ropeTheta, mlp, tieEmbeddings, initStd, null);
    }

    /** The preset {@code name} without overrides, trained from scratch. */
    public static ModelSection of(String name) {
        return new ModelSection(name, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    /** The architecture: the preset with this section's overrides applied. */
    public ModelConfig resolve() {
        return ModelConfig.builder().dim(dim).nLayers(nLayers).nHeads(nHeads).nKvHeads(nKvHeads).hiddenDim(hiddenDim)
                .vocabSize(vocabSize).maxSeqLen(maxSeqLen).norm(norm).normEps(normEps).positions(positions)
                .ropeStyle(ropeStyle).ropeTheta(ropeTheta).mlp(mlp).tieEmbeddings(tieEmbeddings).initStd(initStd)
                .moe(moe == null ? null : moe.over(null)).build();
    }
}
