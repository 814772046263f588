package dev.sinter.models.config;

import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.Suggest;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.transformer.DecoderFamily;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code model:} section of a run config: a registered decoder {@link ModelPreset} plus optional per-field
 * overrides, or a model of another registered {@link ModelFamily} named by {@code from: "<family>:<reference>"}
 * (e.g. {@code encoder:all-minilm-l6-v2}), whose architecture comes from its weights. For a decoder every component
 * after {@code from} overrides the same-named {@link ModelConfig} field when non-null; construction fills the fields
 * left null from the preset and validates the combination, so afterwards all fields except {@code from} are non-null
 * and {@link #resolve()} cannot fail. For another family every component but {@code from} must be absent.
 *
 * @param name the decoder preset (one of {@link ModelPreset#registry()})
 * @param from optional weights to start from: a checkpoint directory or llama2.c {@code .bin} (decoder; null = random
 *             init), or {@code <family>:<reference>} for a registered family (required for non-decoder families)
 * @param moe  MoE settings over the preset's (see {@link MoeConfig.Section}); after construction it spells out
 *             every MoE field, or is null for a dense model
 */
public record ModelSection(String name, String from, Integer dim, Integer nLayers, Integer nHeads, Integer nKvHeads,
                           Integer hiddenDim, Integer vocabSize, Integer maxSeqLen, String norm, Double normEps,
                           String positions, String ropeStyle, Double ropeTheta, String mlp, Boolean tieEmbeddings,
                           Double initStd, MoeConfig.Section moe) {

    @JsonCreator
    public ModelSection {
        if (!familyOf(from).equals(DecoderFamily.NAME)) {
            if (name != null || dim != null || nLayers != null || nHeads != null || nKvHeads != null
                    || hiddenDim != null || vocabSize != null || maxSeqLen != null || norm != null || normEps != null
                    || positions != null || ropeStyle != null || ropeTheta != null || mlp != null
                    || tieEmbeddings != null || initStd != null || moe != null) {
                throw new IllegalArgumentException("from '" + from + "' names a " + familyOf(from) + " model, whose"
                        + " architecture comes from its weights; remove name and the architecture overrides");
            }
        } else {
            Checks.required("name", name);
            List<String> presets = ModelPreset.registry().names();
            ModelConfig preset = ModelPreset.registry().find(name).map(ModelPreset::config).orElseThrow(() ->
                    new IllegalArgumentException("name must be one of " + String.join(", ", presets) + ", got '"
                            + name + "'" + Suggest.didYouMean(name, presets)));
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
    }

    /**
     * The family of {@code from}: the registered family named before its first {@code :}, else the decoder (a path,
     * {@code decoder:} optional).
     */
    public static String familyOf(String from) {
        int colon = from == null ? -1 : from.indexOf(':');
        if (colon > 0) {
            String prefix = from.substring(0, colon);
            if (ModelFamily.registry().find(prefix).isPresent()) {
                return prefix;
            }
        }
        return DecoderFamily.NAME;
    }

    /** The model family this section builds. */
    public String family() {
        return familyOf(from);
    }

    /** {@code from} without its family prefix (a path or the family's model name), or null. */
    public String reference() {
        if (from == null || from.indexOf(':') <= 0 || !from.substring(0, from.indexOf(':')).equals(family())) {
            return from;
        }
        return from.substring(from.indexOf(':') + 1);
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

    /** The decoder architecture: the preset with this section's overrides applied. */
    public ModelConfig resolve() {
        if (!family().equals(DecoderFamily.NAME)) {
            throw new IllegalStateException("model.from " + from + " is a " + family() + " model, not a decoder preset");
        }
        return ModelConfig.builder().dim(dim).nLayers(nLayers).nHeads(nHeads).nKvHeads(nKvHeads).hiddenDim(hiddenDim)
                .vocabSize(vocabSize).maxSeqLen(maxSeqLen).norm(norm).normEps(normEps).positions(positions)
                .ropeStyle(ropeStyle).ropeTheta(ropeTheta).mlp(mlp).tieEmbeddings(tieEmbeddings).initStd(initStd)
                .moe(moe == null ? null : moe.over(null)).build();
    }
}
