package dev.sinter.models;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.transformer.DecoderFamily;

/** The model families of this module, one registration each. */
public final class ModelsPlugin implements SinterPlugin {
    @Override
    public void register(Plugins plugins) {
        plugins.register(ModelFamily.class, DecoderFamily.INSTANCE);
    }
}
