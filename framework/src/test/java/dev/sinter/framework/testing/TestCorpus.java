package dev.sinter.framework.testing;

import java.util.SplittableRandom;

/** Small training corpora that tests write themselves, so they need no shared data. */
public final class TestCorpus {
    private static final String[] WORDS = "the a cat dog sat ran on in big small red park ball home and then".split(" ");

    private TestCorpus() {
    }

    /**
     * About {@code chars} characters of short sentences of 4–11 words from a 16-word vocabulary, one per line, drawn
     * with {@code seed}: text with structure to learn.
     */
    public static String sentences(int chars, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder text = new StringBuilder();
        while (text.length() < chars) {
            int n = 4 + random.nextInt(8);
            for (int i = 0; i < n; i++) {
                text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
            }
            text.append(".\n");
        }
        return text.toString();
    }
}
