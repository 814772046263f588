package dev.sinter.trainers.config;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.config.ModelSection;

import dev.sinter.trainers.RunConfig;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigModelSectionTest {
    @Test
    void presetWithoutOverridesResolvesToThePreset() {
        for (ModelPreset preset : ModelPreset.registry().entries()) {
            assertEquals(preset.config(), ModelSection.of(preset.name()).resolve(), preset.name());
        }
    }

    @Test
    void overridesReplacePresetFields() {
        ModelConfig tiny = ModelPreset.registry().get("tiny").config();
        ModelSection section = new ModelSection("tiny", null, 64, null, null, null, 128, null, null, "layernorm", null,
                null, "half", null, null, false, null);

        ModelConfig resolved = section.resolve();

        assertEquals(64, resolved.dim());
        assertEquals(128, resolved.hiddenDim());
        assertEquals("layernorm", resolved.norm());
        assertEquals("half", resolved.ropeStyle());
        assertEquals(false, resolved.tieEmbeddings());
        assertEquals(tiny.nLayers(), resolved.nLayers());
        assertEquals(tiny.nHeads(), resolved.nHeads());
        assertEquals(tiny.vocabSize(), resolved.vocabSize());
        assertEquals(64, section.dim());
    }

    @Test
    void overridesFromYamlResolve() {
        RunConfig config = RunConfig.loadString(ConfigLoaderTest.MINIMAL, "run.yaml", List.of("model.dim=64"));

        assertEquals(64, config.model().resolve().dim());
        assertEquals(2, config.model().resolve().nLayers());
    }

    @Test
    void invalidCombinationIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelSection("tiny", null,
                30, null, 4, null, null, null, null, null, null, null, null, null, null, null, null));
        assertTrue(e.getMessage().contains("not divisible by n_heads 4"), e.getMessage());
    }

    @Test
    void unknownPresetListsNamesAndSuggests() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSection.of("smal"));
        assertEquals("name must be one of " + String.join(", ", ModelPreset.registry().names())
                + ", got 'smal'; did you mean 'small'?", e.getMessage());
    }
}
