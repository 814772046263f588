package dev.sinter.encoders;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.trainers.TrainingTaskType;

/** The model family and training task of this module, one registration each. */
public final class EncodersPlugin implements SinterPlugin {
    @Override
    public void register(Plugins plugins) {
        plugins.register(ModelFamily.class, EncoderFamily.INSTANCE);
        plugins.register(TrainingTaskType.class, new TrainingTaskType<>(ClassificationTaskConfig.TYPE,
                "text or text-pair classification: fine-tune an encoder with a classification head",
                ClassificationTaskConfig.class, EncoderFamily.NAME, ClassificationTask::open));
    }
}
