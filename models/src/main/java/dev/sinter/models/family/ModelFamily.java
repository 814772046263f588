package dev.sinter.models.family;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;
import java.util.List;

/**
 * A registered family of trainable models (the decoder-only transformer, the BERT encoder, …): its name, as written
 * in {@code model.from: "<family>:…"}, and the roles its projections play. Registered by the module that implements
 * the family; its models are {@link FamilyModel}s, so every trainer works on every family.
 */
public interface ModelFamily extends Registry.Entry {
    /** The {@link Projection#ROLES} this family's layers have (e.g. the BERT encoder has no {@code gate}). */
    List<String> roles();

    /** Every registered family. */
    static Registry<ModelFamily> registry() {
        return Plugins.get().registry(ModelFamily.class);
    }
}
