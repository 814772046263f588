package dev.sinter.trainers;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;
import dev.sinter.models.transformer.DecoderFamily;
import dev.sinter.trainers.kd.KdTrainer;
import dev.sinter.trainers.kd.KdTrainerConfig;
import dev.sinter.trainers.kd.MosTrainer;
import dev.sinter.trainers.kd.MosTrainerConfig;
import dev.sinter.trainers.lora.LoraTrainer;
import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.trainers.smt.SmtTrainer;
import dev.sinter.trainers.smt.SmtTrainerConfig;
import java.util.List;

/** The training methods of this module, one registration each. */
public final class TrainersPlugin implements SinterPlugin {
    @Override
    public void register(Plugins plugins) {
        plugins.register(TrainerType.class, new TrainerType<>(FullTrainerConfig.TYPE,
                "full fine-tuning or pre-training: every parameter trains", FullTrainerConfig.class,
                (c, run) -> new FullTrainer(c)));
        plugins.register(TrainerType.class, new TrainerType<>(LoraTrainerConfig.TYPE,
                "LoRA: low-rank adapters on the target projections, merged at the end", LoraTrainerConfig.class,
                (c, run) -> new LoraTrainer(c, run.seed(), run.model().from())));
        plugins.register(TrainerType.class, new TrainerType<>(SmtTrainerConfig.TYPE,
                "Sparse Matrix Tuning: warm-up, then only the top-scoring sub-matrix blocks train",
                SmtTrainerConfig.class, (c, run) -> new SmtTrainer(c)));
        plugins.register(TrainerType.class, new TrainerType<>(KdTrainerConfig.TYPE,
                "knowledge distillation from a teacher, optionally in stages", KdTrainerConfig.class,
                (c, run) -> new KdTrainer(KdTrainerConfig.TYPE, c.kd()), List.of(DecoderFamily.NAME)));
        plugins.register(TrainerType.class, new TrainerType<>(MosTrainerConfig.TYPE,
                "Mixture-of-Students: a shallower MoE student distilled from an MoE teacher", MosTrainerConfig.class,
                (c, run) -> new MosTrainer(c), List.of(DecoderFamily.NAME)));
    }
}
