package dev.sinter.trainers;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;
import dev.sinter.models.transformer.DecoderFamily;
import dev.sinter.trainers.TrainerType.Example;
import dev.sinter.trainers.kd.KdTrainer;
import dev.sinter.trainers.kd.KdTrainerConfig;
import dev.sinter.trainers.kd.MosTrainer;
import dev.sinter.trainers.kd.MosTrainerConfig;
import dev.sinter.trainers.lora.LoraTrainer;
import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.trainers.smt.SmtTrainer;
import dev.sinter.trainers.smt.SmtTrainerConfig;
import java.util.List;

/** The training methods of this module, one registration each, with a minimal example on the tiny model. */
public final class TrainersPlugin implements SinterPlugin {
    /** Distillation reads the teacher's logits through the decoder's language-model head. */
    private static final List<String> DECODER_ONLY = List.of(DecoderFamily.NAME);

    @Override
    public void register(Plugins plugins) {
        plugins.register(TrainerType.class, new TrainerType<>(FullTrainerConfig.TYPE,
                "full fine-tuning or pre-training: every parameter trains", FullTrainerConfig.class,
                (c, run) -> new FullTrainer(c), Example.of("{type: full, trainable: ['model\\.layers\\.1\\..*']}")));
        plugins.register(TrainerType.class, new TrainerType<>(LoraTrainerConfig.TYPE,
                "LoRA: low-rank adapters on the target projections, merged at the end", LoraTrainerConfig.class,
                (c, run) -> new LoraTrainer(c, run.seed(), run.model().from()),
                Example.of("{type: lora, rank: 4, alpha: 8, dropout: 0.1, targets: [q, v, down]}")));
        plugins.register(TrainerType.class, new TrainerType<>(SmtTrainerConfig.TYPE,
                "Sparse Matrix Tuning: warm-up, then only the top-scoring sub-matrix blocks train",
                SmtTrainerConfig.class, (c, run) -> new SmtTrainer(c, run.training()),
                Example.of("{type: smt, warmup_steps: 4, block_size: 8, num_blocks: 4, mlp_num_blocks: 2,"
                        + " targets: [q, k, v, gate]}")));
        plugins.register(TrainerType.class, new TrainerType<>(KdTrainerConfig.TYPE,
                "knowledge distillation from a teacher, optionally in stages", KdTrainerConfig.class,
                (c, run) -> new KdTrainer(KdTrainerConfig.TYPE, c.kd()),
                Example.withTeacher("{type: kd, teacher: " + Example.TEACHER + ", temperature: 2.0,"
                        + " stages: [{until_step: 6, kd_weight: 1.0}, {kd_weight: 0.0}]}"), DECODER_ONLY));
        plugins.register(TrainerType.class, new TrainerType<>(MosTrainerConfig.TYPE,
                "Mixture-of-Students: a shallower MoE student distilled from an MoE teacher", MosTrainerConfig.class,
                (c, run) -> new MosTrainer(c, run.training().steps()),
                Example.withTeacher("{type: mos, teacher: " + Example.TEACHER + ", layer_map: [0, 3]}",
                        "model={name: tiny-prmoe, n_layers: 4, moe: {experts: [4, 8], layers: [1, 3]}}"),
                DECODER_ONLY));
    }
}
