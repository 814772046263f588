package dev.sinter.framework.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TokenCorpusTest {
    private final ByteTokenizer tok = new ByteTokenizer();

    @Test
    void splitsOffTheLastTokensForValidation() {
        String text = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(3).substring(0, 99);
        assertEquals(99, text.length()); // + BOS = 100 tokens
        TokenCorpus corpus = TokenCorpus.fromText(text, tok, 0.07, 0);
        assertEquals(93, corpus.trainSize());
        assertEquals(7, corpus.validationSize()); // ceil(0.07 * 100) = 7 despite 0.07 * 100 = 7.000000000000001
        int[] all = tok.encode(text, true, false);
        assertArrayEquals(Arrays.copyOf(all, 93), corpus.train());
        assertArrayEquals(Arrays.copyOfRange(all, 93, 100), corpus.validation());
        assertEquals(256, corpus.train()[0]);

        TokenCorpus rounded = TokenCorpus.fromText(text, tok, 0.015, 0);
        assertEquals(2, rounded.validationSize()); // ceil(1.5)
        assertEquals(0, TokenCorpus.fromText(text, tok, 0.0, 0).validationSize());
    }

    @Test
    void capsTheTokenCountBeforeSplitting() {
        TokenCorpus corpus = TokenCorpus.fromText("x".repeat(1000), tok, 0.1, 50);
        assertEquals(45, corpus.trainSize());
        assertEquals(5, corpus.validationSize());
    }

    @Test
    void separateValidationText() {
        TokenCorpus corpus = TokenCorpus.fromTexts("train text", "val", tok, 0);
        assertArrayEquals(tok.encode("train text", true, false), corpus.train());
        assertArrayEquals(new int[] {256, 'v', 'a', 'l'}, corpus.validation());
        assertEquals(5, TokenCorpus.fromTexts("train text", "val", tok, 5).trainSize());
    }

    @Test
    void windowsComeFromTheRightSplit() {
        TokenCorpus corpus = TokenCorpus.fromTexts("0123456789", "abcdefghi", tok, 0);
        int[][] windows = corpus.validationWindows(4, 10);
        assertEquals(2, windows.length); // 10 tokens: windows at 0 and 4 (the one at 8 would need 13)
        assertArrayEquals(new int[] {256, 'a', 'b', 'c', 'd'}, windows[0]);
        assertArrayEquals(new int[] {'d', 'e', 'f', 'g', 'h'}, windows[1]);
        assertEquals(2, corpus.trainSampler(4, 1).windowsPerEpoch()); // 11 tokens
    }

    @Test
    void rejectsTooFewTokensAndBadFractions() {
        TokenCorpus corpus = TokenCorpus.fromText("abcdefghij", tok, 0.25, 0); // 11 tokens: 8 train, 3 validation
        IllegalArgumentException train = assertThrows(IllegalArgumentException.class,
                () -> corpus.trainSampler(8, 0));
        assertEquals("corpus train has 8 tokens, too few for seq_len 8 (need at least 9)", train.getMessage());
        IllegalArgumentException val = assertThrows(IllegalArgumentException.class,
                () -> corpus.validationWindows(3, 1));
        assertEquals("corpus validation has 3 tokens, too few for seq_len 3 (need at least 4)", val.getMessage());
        assertEquals(1, corpus.trainSampler(7, 0).windowsPerEpoch());
        assertThrows(IllegalArgumentException.class, () -> TokenCorpus.fromText("abc", tok, 1.0, 0));
        assertThrows(IllegalArgumentException.class, () -> TokenCorpus.fromText("abc", tok, -0.1, 0));
    }
}
