package dev.sinter.trainers.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.trainers.RunConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code model.moe:} YAML section: binding, preset merging, round trips and one-line errors. */
class MoeConfigTest {
    private static final String RUN = """
            name: t
            data: {train: x.txt, seq_len: 16}
            training: {steps: 1, batch_size: 1, lr: 0.001}
            model:
              name: %s
            %s""";

    private static RunConfig load(String preset, String moe) {
        return RunConfig.loadString(RUN.formatted(preset, moe.indent(2)), "run.yaml", List.of());
    }

    private static String error(String preset, String moe) {
        return assertThrows(ConfigException.class, () -> load(preset, moe)).getMessage();
    }

    @Test
    void moeSectionOverADensePresetAndOverAnMoePreset() {
        ModelConfig c = load("small", "moe: {experts: [4, 8], residual: true, residual_mix: sum}").model().resolve();
        assertEquals(List.of(1, 3), c.moeLayers()); // moe_every 2 by default (DeepSpeed's expert interval)
        assertEquals(8, c.expertsAt(3));
        assertEquals(0, c.expertsAt(2));
        assertEquals("sum", c.moe().residualMix());
        ModelConfig p = load("small-prmoe", "moe: {top_k: 2, capacity_factor: 1.5}").model().resolve();
        assertEquals(List.of(4, 8), p.moe().experts());
        assertEquals(2, p.moe().topK());
        assertEquals(1.5, p.moe().capacityFactor());
        assertEquals(true, p.moe().residual());
        assertNull(load("small", "").model().resolve().moe());
    }

    @Test
    void resolvedConfigRoundTripsThroughYaml() {
        RunConfig c = load("tiny-pyramid", "moe: {jitter: 0.01}");
        RunConfig back = RunConfig.loadString(ConfigLoader.toYaml(c), "resolved.yaml", List.of());
        assertEquals(c.model().resolve(), back.model().resolve());
    }

    @Test
    void expertListMustMatchTheMoeLayers() {
        String e = error("small", "moe: {experts: [4, 4, 8]}");
        assertEquals("run.yaml:6: model.moe.experts: must have one entry per MoE layer (2), got 3 entries [4, 4, 8];"
                + " moe_every 2 with n_layers 4 gives MoE layers [1, 3], so give 2 expert count(s)", e);
    }

    @Test
    void topKAboveTheExpertCountIsRejected() {
        String e = error("small", "moe: {experts: [4, 1], top_k: 2}");
        assertEquals("run.yaml:6: model.moe.top_k: must be <= the expert count of every MoE layer, got top_k 2 with 1"
                + " expert(s) in MoE layer 1; lower top_k or add experts", e);
    }

    @Test
    void nonPositiveCapacityFactorIsRejected() {
        assertEquals("run.yaml:6: model.moe.capacity_factor: must be a finite number > 0, got 0.0",
                error("tiny-moe", "moe: {capacity_factor: 0}"));
        assertEquals("run.yaml:6: model.moe.eval_capacity_factor: must be a finite number > 0, got -1.0",
                error("tiny-moe", "moe: {eval_capacity_factor: -1}"));
    }

    @Test
    void unknownMoeKeyGetsASuggestion() {
        String e = error("tiny-moe", "moe: {top_kk: 2}");
        assertEquals(true, e.contains("model.moe.top_kk: unknown key 'top_kk'; did you mean 'top_k'?"), e);
    }
}
