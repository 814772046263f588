package dev.sinter.framework.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
    private static final String TOK512 = "models/stories260K/tok512.bin";
    private static final String TOK512_SHA256 = "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312";
    private static final String LILY = "Once upon a time, there was a little girl named Lily.";

    private static Path tokFile;
    private static Llama2cTokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        tokFile = TestData.fixture(TOK512);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tokFile)));
        assertEquals(TOK512_SHA256, sha, "unexpected contents of " + tokFile + " (see SHA256SUMS)");
        tok = Llama2cTokenizer.load(tokFile, 512);
    }

    @Test
    void loadsTheVocabulary() throws IOException {
        assertEquals(512, tok.vocabSize());
        assertEquals(1, tok.bos());
        assertEquals(2, tok.eos());
        assertEquals("<unk>", tok.piece(0));
        assertEquals("\n<s>\n", tok.piece(1));
        assertEquals("<0x00>", tok.piece(3));
        assertEquals("<0xFF>", tok.piece(258));
        assertEquals(" t", tok.piece(259));
        assertEquals(-1.0f, tok.score(260));
        assertEquals("llama2c:tok512.bin", tok.describe());
        assertEquals(512, Llama2cTokenizer.load(tokFile).vocabSize());
        assertEquals(512, TokenizerType.registry().get("llama2c").load(tokFile).vocabSize());
    }

    /**
     * Checked by hand against the merge rule: " girl", " gir", "girl" and "irl" are not pieces, so " g" (score -39)
     * and "ir" (-56) stay apart; an independent Python transcription of llama2.c's encode() gives the same ids.
     */
    @Test
    void pinsTheIdsOfTheFamousFirstSentence() {
        int[] ids = tok.encode(LILY, true, false);
        String pieces = Arrays.stream(ids).mapToObj(tok::piece).collect(Collectors.joining("|"));
        assertEquals("\n<s>\n| Once| upon| a| time|,| there| was| a| little| g|ir|l| named| Lily|.", pieces);
        int[] expected = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};
        assertArrayEquals(expected, ids);
    }

    @Test
    void roundTripsAsciiText() {
        for (String s : List.of("", "a", " ", "  two leading spaces", "Once upon a time", LILY,
                "Tom said, \"Let's go!\"\nThey went home.\n", "x = 3 * (4 + 5) / 7 % 2; y ~ z | q",
                "\t<s> </s> <0x41>")) {
            int[] ids = tok.encode(s, true, true);
            assertEquals(1, ids[0]);
            assertEquals(2, ids[ids.length - 1]);
            for (int id : ids) {
                assertTrue(id >= 0 && id < 512, "id " + id + " out of range for " + s);
            }
            assertEquals(s, tok.decode(ids), "round trip of '" + s + "'");
            assertEquals(s, tok.decode(tok.encode(s, false, false)));
        }
    }

    @Test
    void roundTripsNonAsciiThroughByteFallback() {
        String s = "Café “quoted” — 日本 🙂";
        int[] ids = tok.encode(s, false, false);
        assertEquals(s, tok.decode(ids));
        // 日 (E6 97 A5) is not a piece: three byte-fallback ids
        int[] day = tok.encode("日", false, false);
        assertArrayEquals(new int[] {tok.encode(" ", false, false)[0], 0xE6 + 3, 0x97 + 3, 0xA5 + 3}, day);
    }

    @Test
    void mergesShortenTheCharacterEncoding() {
        for (String s : List.of("Once upon a time", LILY, "She loved to play outside in the park.")) {
            int characters = 1 + s.length(); // dummy prefix + one piece per character (all are pieces)
            int tokens = tok.encode(s, false, false).length;
            assertTrue(tokens < characters / 2, s + ": " + tokens + " tokens vs " + characters + " characters");
        }
        assertEquals(0, tok.encode("", false, false).length);
    }

    /** The priority-queue merge must give exactly the ids of llama2.c's quadratic loop. */
    @Test
    void matchesAStraightPortOfLlama2cEncode() throws IOException {
        List<String> texts = new ArrayList<>();
        String sample = Files.readString(TestData.fixture("corpora/tinystories_sample.txt"));
        texts.add(sample.substring(0, 1500));
        Random random = new Random(11);
        String alphabet = "abcdefghijklmnopqrstuvwxyz    TSOL.,!?'\"\n-éñ“”’日🙂";
        int[] codePoints = alphabet.codePoints().toArray();
        for (int t = 0; t < 300; t++) {
            StringBuilder sb = new StringBuilder();
            for (int i = random.nextInt(60); i > 0; i--) {
                sb.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
            }
            texts.add(sb.toString());
        }
        for (String s : texts) {
            assertArrayEquals(referenceEncode(s), tok.encode(s, false, false), "encoding of '" + s + "'");
        }
    }

    /** llama2.c's encode() from run.c, transcribed literally (bytes as ISO-8859-1 strings). */
    private static int[] referenceEncode(String text) {
        List<String> vocab = new ArrayList<>();
        for (int id = 0; id < tok.vocabSize(); id++) {
            vocab.add(new String(tok.piece(id).getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
        }
        List<Integer> tokens = new ArrayList<>();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            tokens.add(vocab.indexOf(" "));
        }
        StringBuilder buffer = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            if ((bytes[i] & 0xC0) != 0x80) {
                buffer.setLength(0);
            }
            buffer.append((char) (bytes[i] & 0xFF));
            if (i + 1 < bytes.length && (bytes[i + 1] & 0xC0) == 0x80 && buffer.length() < 4) {
                continue;
            }
            int id = vocab.indexOf(buffer.toString());
            if (id != -1) {
                tokens.add(id);
            } else {
                buffer.chars().forEach(b -> tokens.add(b + 3));
            }
            buffer.setLength(0);
        }
        while (true) {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIdx = -1;
            for (int i = 0; i < tokens.size() - 1; i++) {
                int id = vocab.indexOf(vocab.get(tokens.get(i)) + vocab.get(tokens.get(i + 1)));
                if (id != -1 && tok.score(id) > bestScore) {
                    bestScore = tok.score(id);
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx == -1) {
                break;
            }
            tokens.set(bestIdx, bestId);
            tokens.remove(bestIdx + 1);
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void rejectsATruncatedFile(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(tokFile);
        Path truncated = dir.resolve("truncated.bin");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 3));
        IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(truncated, 512));
        assertTrue(e.getMessage().contains("truncated.bin") && e.getMessage().contains("entry 511")
                && e.getMessage().contains("expected"), e.getMessage());
        IOException e2 = assertThrows(IOException.class, () -> Llama2cTokenizer.load(truncated));
        assertTrue(e2.getMessage().contains("truncated.bin") && e2.getMessage().contains("entry 511"), e2.getMessage());

        Path header = dir.resolve("header.bin");
        Files.write(header, new byte[] {7, 0});
        IOException e3 = assertThrows(IOException.class, () -> Llama2cTokenizer.load(header));
        assertTrue(e3.getMessage().contains("header.bin") && e3.getMessage().contains("max_token_length"),
                e3.getMessage());
    }

    @Test
    void rejectsAnAbsurdLengthField(@TempDir Path dir) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(tokFile)).order(ByteOrder.LITTLE_ENDIAN);
        // entry 0 is {score, length 5, "<unk>"}: its length field sits at offset 4 + 4
        assertEquals(5, bytes.getInt(8));
        bytes.putInt(8, Integer.MAX_VALUE);
        Path absurd = dir.resolve("absurd.bin");
        Files.write(absurd, bytes.array());
        IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(absurd, 512));
        assertTrue(e.getMessage().contains("absurd.bin") && e.getMessage().contains("entry 0")
                && e.getMessage().contains("length 2147483647"), e.getMessage());

        bytes.putInt(8, -1);
        Files.write(absurd, bytes.array());
        IOException negative = assertThrows(IOException.class, () -> Llama2cTokenizer.load(absurd));
        assertTrue(negative.getMessage().contains("entry 0 has length -1"), negative.getMessage());
    }

    @Test
    void rejectsTrailingBytesAndTooSmallVocabularies(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(tokFile);
        Path trailing = dir.resolve("trailing.bin");
        Files.write(trailing, Arrays.copyOf(bytes, bytes.length + 4));
        IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.load(trailing, 512));
        assertTrue(e.getMessage().contains("trailing.bin") && e.getMessage().contains("4 trailing bytes"),
                e.getMessage());
        // read until EOF, the 4 zero bytes start a 513th entry that is cut short
        IOException e2 = assertThrows(IOException.class, () -> Llama2cTokenizer.load(trailing));
        assertTrue(e2.getMessage().contains("entry 512 is truncated"), e2.getMessage());

        IOException e3 = assertThrows(IOException.class, () -> Llama2cTokenizer.load(tokFile, 513));
        assertTrue(e3.getMessage().contains("entry 512"), e3.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Llama2cTokenizer.load(tokFile, 100));
        IOException missing = assertThrows(IOException.class, () -> Llama2cTokenizer.load(dir.resolve("none.bin")));
        assertTrue(missing.getMessage().contains("none.bin"), missing.getMessage());
    }
}
