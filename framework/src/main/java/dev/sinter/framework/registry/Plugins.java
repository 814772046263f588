package dev.sinter.framework.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Every registry, filled once from the {@link SinterPlugin}s on the class path ({@link ServiceLoader}). A module's
 * entries therefore exist exactly when the module is on the class path: a test module can register its own
 * trainer, and the CLI, the config binding and the contract tests see it without edits.
 */
public final class Plugins {
    private static volatile Plugins loaded;

    private final Map<Class<?>, Registry<?>> registries = new LinkedHashMap<>();

    private Plugins() {
    }

    /** The registries of the class path's plug-ins (loaded on first use). */
    public static Plugins get() {
        Plugins p = loaded;
        if (p == null) {
            synchronized (Plugins.class) {
                p = loaded;
                if (p == null) {
                    p = new Plugins();
                    for (SinterPlugin plugin : ServiceLoader.load(SinterPlugin.class, Plugins.class.getClassLoader())) {
                        plugin.register(p);
                    }
                    loaded = p;
                }
            }
        }
        return p;
    }

    /** The registry of entries of type {@code kind} (empty when no plug-in registered one). */
    @SuppressWarnings("unchecked")
    public synchronized <T extends Registry.Entry> Registry<T> registry(Class<T> kind) {
        return (Registry<T>) registries.computeIfAbsent(kind, k -> new Registry<>(kindName(k)));
    }

    /** Registers {@code entry} as a {@code kind}. */
    public <T extends Registry.Entry> Plugins register(Class<T> kind, T entry) {
        registry(kind).register(entry);
        return this;
    }

    /** Every entry of every registry that is an instance of {@code type} (e.g. every polymorphic config type). */
    public synchronized <T> List<T> entriesOf(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Registry<?> r : registries.values()) {
            r.entries().stream().filter(type::isInstance).map(type::cast).forEach(out::add);
        }
        return out;
    }

    /** "TrainerType" → "trainer", "ModelPreset" → "model preset": the kind's name in messages. */
    static String kindName(Class<?> kind) {
        String simple = kind.getSimpleName().replaceAll("(Type|Entry)$", "");
        return simple.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    }
}
