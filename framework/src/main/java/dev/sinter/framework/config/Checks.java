package dev.sinter.framework.config;

import java.util.Arrays;

/** Range checks used by the config records' compact constructors; messages name the key and a fix. */
public final class Checks {
    private Checks() {
    }

    public static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }

    public static void positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + " must be a finite number > 0, got " + value);
        }
    }

    public static void nonNegative(String key, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + " must be a finite number >= 0, got " + value);
        }
    }

    public static void inRange(String key, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(key + " must be in [" + lo + ", " + hi + "], got " + value);
        }
    }

    public static void oneOf(String key, String value, String... allowed) {
        if (value == null || !Arrays.asList(allowed).contains(value)) {
            throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + ", got " + value);
        }
    }
}
