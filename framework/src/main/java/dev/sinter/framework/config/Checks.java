package dev.sinter.framework.config;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Range checks used by the config records' compact constructors; messages name the key and a fix. */
public final class Checks {
    private Checks() {
    }

    /** Returns {@code value}, or throws "missing required key" when it is null. */
    public static <T> T required(String key, T value) {
        if (value == null) {
            throw new IllegalArgumentException("missing required key '" + key + "'; add '" + key + ": <value>'");
        }
        return value;
    }

    /** Rejects a present but blank string; null (absent) passes. */
    public static void nonBlank(String key, String value) {
        if (value != null && value.isBlank()) {
            throw new IllegalArgumentException(key + " must not be blank, got '" + value + "'");
        }
    }

    /** Rejects null elements and returns an immutable copy; null (absent) passes through. */
    public static List<String> noNulls(String key, List<String> values) {
        if (values != null && values.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException(key + " must not contain null entries, got " + values);
        }
        return values == null ? null : List.copyOf(values);
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

    public static void nonNegative(String key, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(key + " must be >= 0, got " + value);
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

    /** Checks {@code lo < value <= hi}. */
    public static void inRangeOpenLow(String key, double value, double lo, double hi) {
        if (!(value > lo && value <= hi)) {
            throw new IllegalArgumentException(key + " must be in (" + lo + ", " + hi + "], got " + value);
        }
    }

    /** Checks {@code lo <= value < hi}. */
    public static void inRangeOpenHigh(String key, double value, double lo, double hi) {
        if (!(value >= lo && value < hi)) {
            throw new IllegalArgumentException(key + " must be in [" + lo + ", " + hi + "), got " + value);
        }
    }

    public static void oneOf(String key, String value, String... allowed) {
        if (value == null || !Arrays.asList(allowed).contains(value)) {
            throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + ", got " + value);
        }
    }
}
