package dev.sinter.encoders;

import dev.sinter.encoders.continual.ContinualMethod;
import dev.sinter.encoders.continual.FineTuneLearner;
import dev.sinter.encoders.continual.FineTuneMethodConfig;
import dev.sinter.encoders.continual.PromptMethodConfig;
import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.trainers.TrainingTaskType;

/** The model family, training task and continual-learning methods of this module, one registration each. */
public final class EncodersPlugin implements SinterPlugin {
    @Override
    public void register(Plugins plugins) {
        plugins.register(ModelFamily.class, EncoderFamily.INSTANCE);
        plugins.register(TrainingTaskType.class, new TrainingTaskType<>(ClassificationTaskConfig.TYPE,
                "text or text-pair classification: fine-tune an encoder with a classification head",
                ClassificationTaskConfig.class, EncoderFamily.NAME, ClassificationTask::open));
        plugins.register(ContinualMethod.class, new ContinualMethod<>(FineTuneMethodConfig.Sequential.TYPE,
                "fine-tune one shared classifier on each task in turn (lower bound)",
                FineTuneMethodConfig.Sequential.class, FineTuneLearner::new));
        plugins.register(ContinualMethod.class, new ContinualMethod<>(FineTuneMethodConfig.Joint.TYPE,
                "retrain from the base on every task seen so far (upper bound)",
                FineTuneMethodConfig.Joint.class, FineTuneLearner::new));
        plugins.register(ContinualMethod.class, new ContinualMethod<>(PromptMethodConfig.SequentialPrompt.TYPE,
                "one shared prompt set on the frozen encoder, trained on each task in turn (prompt lower bound)",
                PromptMethodConfig.SequentialPrompt.class, PromptMethodConfig.SequentialPrompt::create));
        plugins.register(ContinualMethod.class, new ContinualMethod<>(PromptMethodConfig.AlwaysGrow.TYPE,
                "a new prompt set per task, picked at inference by its key (S-Prompts-like)",
                PromptMethodConfig.AlwaysGrow.class, PromptMethodConfig.AlwaysGrow::create));
        plugins.register(ContinualMethod.class, new ContinualMethod<>(PromptMethodConfig.Lw2g.TYPE,
                "LW2G: reuse a prompt set under gradient projection or grow a new one, by the HFC test",
                PromptMethodConfig.Lw2g.class, PromptMethodConfig.Lw2g::create));
    }
}
