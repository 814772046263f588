package dev.sinter.models.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ModelConfig#builder()} and {@link MoeConfig#builder(List)}: defaults, copies, and errors. */
class ModelConfigBuilderTest {
    @Test
    void theBuilderDefaultsAreLlamas() {
        ModelConfig c = ModelConfig.builder().dim(32).nLayers(2).nHeads(4).hiddenDim(64).vocabSize(260).maxSeqLen(64)
                .build();
        assertEquals(new ModelConfig(32, 2, 4, 4, 64, 260, 64, "rmsnorm", 1e-5, "rope", "adjacent", 10000, "swiglu",
                true, 0.02, null, false), c);
        assertEquals(4, c.nKvHeads(), "KV heads default to the query heads");
    }

    @Test
    void everySetterReachesItsField() {
        MoeConfig moe = MoeConfig.builder(List.of(3)).layers(List.of(0)).build();
        ModelConfig c = ModelConfig.builder().dim(24).nLayers(1).nHeads(4).nKvHeads(2).hiddenDim(40).vocabSize(50)
                .maxSeqLen(16).norm("layernorm").normEps(1e-6).positions("learned").ropeStyle("half").ropeTheta(500)
                .mlp("gelu").tieEmbeddings(false).initStd(0.05).moe(moe).attentionBias(true).build();
        assertEquals(new ModelConfig(24, 1, 4, 2, 40, 50, 16, "layernorm", 1e-6, "learned", "half", 500, "gelu", false,
                0.05, moe, true), c);
    }

    @Test
    void toBuilderCopiesEveryField() {
        ModelConfig prmoe = ModelPreset.registry().get("tiny-prmoe").config().withAttentionBias(true);
        assertEquals(prmoe, prmoe.toBuilder().build());
        ModelConfig deeper = prmoe.toBuilder().nLayers(3).moe(null).build();
        assertEquals(3, deeper.nLayers());
        assertNull(deeper.moe());
        assertTrue(deeper.attentionBias());
        assertEquals(prmoe.moe(), prmoe.moe().toBuilder().build());
    }

    @Test
    void aMissingSizeNamesTheSetter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.builder().dim(32).nLayers(2).nHeads(4).hiddenDim(64).maxSeqLen(64).build());
        assertEquals("ModelConfig.vocabSize is not set; call builder().vocabSize(..) before build()", e.getMessage());
    }

    @Test
    void buildChecksTheCombination() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.builder().dim(30).nLayers(2).nHeads(4).hiddenDim(64).vocabSize(9).maxSeqLen(8)
                        .build());
        assertTrue(e.getMessage().contains("dim 30 is not divisible by n_heads 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MoeConfig.builder(List.of(4)).build(),
                "neither moe_every nor layers placed the MoE layers");
    }

    @Test
    void theMoeBuilderDefaultsAreDeepSpeeds() {
        MoeConfig m = MoeConfig.builder(List.of(4, 8)).moeEvery(2).build();
        assertEquals(new MoeConfig(List.of(4, 8), 2, null, 1, 1.0, 1.0, 4, true, true, 0.01, 0.0, false,
                MoeConfig.MIX_LEARNED, null, false), m);
        assertEquals(m, MoeConfig.of(List.of(4, 8), 2, null, 1, false));
        MoeConfig all = MoeConfig.builder(List.of(2)).layers(List.of(1)).topK(2).capacityFactor(0.5)
                .evalCapacityFactor(2.0).minCapacity(0).dropTokens(false).useRts(false).auxLossCoef(0.5).jitter(0.1)
                .residual(true).residualMix(MoeConfig.MIX_SUM).expertHiddenDim(12).build();
        assertEquals(new MoeConfig(List.of(2), null, List.of(1), 2, 0.5, 2.0, 0, false, false, 0.5, 0.1, true,
                MoeConfig.MIX_SUM, 12, false), all);
    }
}
