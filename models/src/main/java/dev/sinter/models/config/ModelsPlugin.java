package dev.sinter.models.config;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.transformer.DecoderFamily;
import java.util.List;

/**
 * The decoder model family and the model presets of this module, one registration each. Presets: {@code tiny} (tests), {@code small} (quickstart),
 * {@code stories260k}, {@code llama-110m} (the scale check), and the DeepSpeed-MoE variants of {@code tiny} and
 * {@code small} (papers.md §3.2): {@code -moe} (top-1 MoE-4 on every other layer), {@code -pyramid} (more experts in
 * the last MoE layer), {@code -residual} (dense MLP + top-1 expert, learned mix) and {@code -prmoe} (pyramid +
 * residual). The dense variant is the base name itself.
 */
public final class ModelsPlugin implements SinterPlugin {
    /** 2 layers, d 32. */
    static final ModelConfig TINY = ModelConfig.builder().dim(32).nLayers(2).nHeads(4).nKvHeads(2).hiddenDim(64)
            .vocabSize(260).maxSeqLen(64).build();
    /** 4 layers, d 256, ~3.3M parameters. */
    static final ModelConfig SMALL = ModelConfig.builder().dim(256).nLayers(4).nHeads(8).nKvHeads(4).hiddenDim(688)
            .vocabSize(260).maxSeqLen(256).build();

    @Override
    public void register(Plugins plugins) {
        plugins.register(ModelFamily.class, DecoderFamily.INSTANCE);
        preset(plugins, "tiny", "2 layers, d 32: unit tests and gradient checks", TINY);
        preset(plugins, "small", "~3.3M parameters: the quickstart model (byte-level vocabulary)", SMALL);
        preset(plugins, "stories260k", "Karpathy's tinyllamas stories260K architecture (llama2.c header)",
                ModelConfig.builder().dim(64).nLayers(5).nHeads(8).nKvHeads(4).hiddenDim(172).vocabSize(512)
                        .maxSeqLen(512).build());
        // tiny has 2 layers: MoE on layer 1 (moe_every 2); the pyramid variants use both layers, 4 then 8 experts
        preset(plugins, "tiny-moe", "tiny with top-1 MoE-4 on layer 1",
                TINY.withMoe(MoeConfig.of(List.of(4), 2, null, 1, false)));
        preset(plugins, "tiny-pyramid", "tiny with MoE-4 then MoE-8 (pyramid)",
                TINY.withMoe(MoeConfig.of(List.of(4, 8), null, List.of(0, 1), 1, false)));
        preset(plugins, "tiny-residual", "tiny-moe with a dense MLP beside the expert (residual MoE)",
                TINY.withMoe(MoeConfig.of(List.of(4), 2, null, 1, true)));
        preset(plugins, "tiny-prmoe", "tiny-pyramid with residual MoE layers (PR-MoE)",
                TINY.withMoe(MoeConfig.of(List.of(4, 8), null, List.of(0, 1), 1, true)));
        // small has 4 layers: MoE on layers 1 and 3 (DeepSpeed's expert interval 2)
        preset(plugins, "small-moe", "small with top-1 MoE-4 on layers 1 and 3",
                SMALL.withMoe(MoeConfig.of(List.of(4, 4), 2, null, 1, false)));
        preset(plugins, "small-pyramid", "small with MoE-4 on layer 1, MoE-8 on layer 3 (pyramid)",
                SMALL.withMoe(MoeConfig.of(List.of(4, 8), 2, null, 1, false)));
        preset(plugins, "small-residual", "small-moe with a dense MLP beside the expert (residual MoE)",
                SMALL.withMoe(MoeConfig.of(List.of(4, 4), 2, null, 1, true)));
        preset(plugins, "small-prmoe", "small-pyramid with residual MoE layers (PR-MoE)",
                SMALL.withMoe(MoeConfig.of(List.of(4, 8), 2, null, 1, true)));
        // SwiGLU hidden 2048 ≈ 8/3·d as a Llama of this width uses; 85M in the blocks + 24.6M tied embedding
        preset(plugins, "llama-110m", "~110M parameters: the GPT-2-small-sized scale check (Llama-2's vocab 32000)",
                ModelConfig.builder().dim(768).nLayers(12).nHeads(12).nKvHeads(12).hiddenDim(2048).vocabSize(32000)
                        .maxSeqLen(1024).build());
    }

    private static void preset(Plugins plugins, String name, String description, ModelConfig config) {
        plugins.register(ModelPreset.class, new ModelPreset(name, description, config));
    }
}
