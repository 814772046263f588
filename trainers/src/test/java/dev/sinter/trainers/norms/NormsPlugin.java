package dev.sinter.trainers.norms;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;
import dev.sinter.trainers.TrainerType;

/**
 * The trainers test module's plug-in (listed in its {@code META-INF/services}): registers {@code type: norms}, which
 * the main code knows nothing of.
 */
public final class NormsPlugin implements SinterPlugin {
    @Override
    public void register(Plugins plugins) {
        plugins.register(TrainerType.class, new TrainerType<>(NormTrainerConfig.TYPE,
                "norm tuning: only the normalisation layers train (registered by the trainers test module)",
                NormTrainerConfig.class, (c, run) -> new NormTrainer(c)));
    }
}
