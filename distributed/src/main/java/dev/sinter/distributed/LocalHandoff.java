package dev.sinter.distributed;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process path of a local master, whose workers are task threads of the driver's JVM: a step's input and the
 * workers' sums are handed over through this map instead of being serialized into a broadcast and task results
 * (Spark serializes both even when nothing leaves the process). Spark still schedules, and retries, the tasks.
 */
final class LocalHandoff {
    private static final Map<String, Object> SLOTS = new ConcurrentHashMap<>();

    private LocalHandoff() {
    }

    static void put(String key, Object value) {
        SLOTS.put(key, value);
    }

    /** The value under {@code key}; fails when there is none (the task ran in another JVM than the driver). */
    static <T> T get(String key, Class<T> type) {
        Object v = SLOTS.get(key);
        if (v == null) {
            throw new IllegalStateException("no " + type.getSimpleName() + " under " + key + " in this JVM: the"
                    + " in-process handoff works only with a local master");
        }
        return type.cast(v);
    }

    /** Removes and returns the value under {@code key}. */
    static <T> T take(String key, Class<T> type) {
        T v = get(key, type);
        SLOTS.remove(key);
        return v;
    }

    /** Removes the value under {@code key} and those under {@code key/…}. */
    static void clear(String key) {
        SLOTS.keySet().removeIf(k -> k.equals(key) || k.startsWith(key + "/"));
    }
}
