package dev.sinter.framework.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean …?" hints for misspelt keys and names (edit distance, ignoring case, '_' and '-'). */
public final class Suggest {
    private Suggest() {
    }

    /** The candidate closest to {@code given} (other than itself), if it is close enough to be a typo of it. */
    public static Optional<String> closest(String given, Collection<String> candidates) {
        String target = normalize(given);
        int budget = target.length() < 6 ? 1 : 2;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates.stream().filter(c -> !c.equals(given)).sorted().toList()) {
            int d = distance(target, normalize(candidate));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= budget ? Optional.of(best) : Optional.empty();
    }

    /** {@code "; did you mean 'x'?"} when a candidate is close, else the empty string. */
    public static String didYouMean(String given, Collection<String> candidates) {
        return closest(given, candidates).map(c -> "; did you mean '" + c + "'?").orElse("");
    }

    /** Candidates sorted and comma-separated, for "valid keys: …" lists. */
    public static String list(Collection<String> candidates) {
        return String.join(", ", candidates.stream().sorted().toList());
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    /** Levenshtein distance (two-row dynamic programme). */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
