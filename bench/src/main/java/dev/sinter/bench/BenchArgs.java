package dev.sinter.bench;

import java.util.List;

/**
 * A benchmark's command line: positional words and {@code --flag value} pairs, where a flag that is not given takes
 * its default.
 */
final class BenchArgs {
    private final List<String> list;

    BenchArgs(String[] args) {
        this.list = List.of(args);
    }

    /** The {@code index}-th word of the command line. */
    String positional(int index) {
        if (index >= list.size()) {
            throw new IllegalArgumentException("expected at least " + (index + 1) + " arguments, got " + list);
        }
        return list.get(index);
    }

    /** The first word of the command line that is one of {@code choices}. */
    String oneOf(String... choices) {
        List<String> allowed = List.of(choices);
        return list.stream().filter(allowed::contains).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("expected one of " + allowed + ", got " + list));
    }

    /** The value after {@code flag}, or {@code def} when the flag is absent. */
    String str(String flag, String def) {
        int i = list.indexOf(flag);
        if (i < 0) {
            return def;
        }
        if (i + 1 >= list.size()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return list.get(i + 1);
    }

    /** The integer after {@code flag}, or {@code def} when the flag is absent. */
    int num(String flag, int def) {
        String v = str(flag, null);
        return v == null ? def : Integer.parseInt(v);
    }
}
