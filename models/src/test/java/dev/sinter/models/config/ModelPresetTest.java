package dev.sinter.models.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The presets this module registers: every one under its name, with its architecture and a description. */
class ModelPresetTest {
    @Test
    void theModulesPluginRegistersEveryPresetInOrder() {
        List<String> builtIn = List.of("tiny", "small", "stories260k", "tiny-moe", "tiny-pyramid", "tiny-residual",
                "tiny-prmoe", "small-moe", "small-pyramid", "small-residual", "small-prmoe", "llama-110m");
        assertEquals(builtIn, ModelPreset.registry().names().stream().filter(builtIn::contains).toList());
        ModelPreset.registry().entries().forEach(p -> assertFalse(p.description().isBlank(), p.name()));
    }

    @Test
    void presetsKeepTheirArchitectures() {
        ModelConfig tiny = ModelPreset.registry().get("tiny").config();
        assertEquals(List.of(32, 2, 4, 2, 64, 260, 64), List.of(tiny.dim(), tiny.nLayers(), tiny.nHeads(),
                tiny.nKvHeads(), tiny.hiddenDim(), tiny.vocabSize(), tiny.maxSeqLen()));
        assertNull(tiny.moe());
        ModelConfig prmoe = ModelPreset.registry().get("small-prmoe").config();
        assertEquals(List.of(1, 3), prmoe.moeLayers());
        assertEquals(8, prmoe.expertsAt(3));
        ModelConfig big = ModelPreset.registry().get("llama-110m").config();
        assertEquals(List.of(768, 12, 2048, 32000, 1024), List.of(big.dim(), big.nLayers(), big.hiddenDim(),
                big.vocabSize(), big.maxSeqLen()));
    }

    @Test
    void anUnknownPresetNamesTheRegisteredOnesAndTheClosest() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelPreset.registry().get("tiny-moee"));
        assertEquals("unknown model preset 'tiny-moee'; registered: " + String.join(", ",
                ModelPreset.registry().names()) + "; did you mean 'tiny-moe'?", e.getMessage());
    }
}
