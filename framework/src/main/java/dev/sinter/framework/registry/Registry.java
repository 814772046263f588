package dev.sinter.framework.registry;

import dev.sinter.framework.config.Suggest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The named entries of one plug-in kind (trainers, model presets, tokenizers, eval tasks, …), in registration order.
 * Entries are added by the modules that own them through a {@link SinterPlugin}; everything that lists or looks up
 * entries of the kind (config binding, {@code sinter ls}, validators, contract tests) reads this registry.
 *
 * @param <T> the entry type of the kind
 */
public final class Registry<T extends Registry.Entry> {
    /** A registered plug-in: a unique name (as written in configs and on the command line) and one line about it. */
    public interface Entry {
        String name();

        String description();
    }

    private final String kind;
    private final Map<String, T> entries = new LinkedHashMap<>();

    Registry(String kind) {
        this.kind = kind;
    }

    /** What the entries are, in messages ("trainer", "model preset", …). */
    public String kind() {
        return kind;
    }

    /** Adds an entry; a second entry with the same name is a programming error. */
    public synchronized void register(T entry) {
        if (entry.name() == null || entry.name().isBlank()) {
            throw new IllegalArgumentException("a " + kind + " needs a non-blank name: " + entry);
        }
        T previous = entries.putIfAbsent(entry.name(), entry);
        if (previous != null) {
            throw new IllegalStateException(kind + " '" + entry.name() + "' is registered twice: " + previous
                    + " and " + entry);
        }
    }

    /** The entry called {@code name}; an unknown name fails with the registered names and the closest match. */
    public synchronized T get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown " + kind + " '" + name
                + "'; registered: " + String.join(", ", entries.keySet()) + Suggest.didYouMean(name, entries.keySet())));
    }

    /** The entry called {@code name}, if registered. */
    public synchronized Optional<T> find(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** Every registered name, in registration order. */
    public synchronized List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /** Every entry, in registration order. */
    public synchronized List<T> entries() {
        return new ArrayList<>(entries.values());
    }
}
