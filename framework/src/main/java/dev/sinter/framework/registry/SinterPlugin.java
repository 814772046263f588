package dev.sinter.framework.registry;

/**
 * What a module contributes to the registries: one implementation per module, listed in its
 * {@code META-INF/services/dev.sinter.framework.registry.SinterPlugin}, registers that module's entries
 * (one {@link Plugins#register} line each). Implementations must not call {@link Plugins#get()}.
 */
public interface SinterPlugin {
    void register(Plugins plugins);
}
