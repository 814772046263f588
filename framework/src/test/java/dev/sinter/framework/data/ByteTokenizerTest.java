package dev.sinter.framework.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {
    private final ByteTokenizer tok = new ByteTokenizer();

    @Test
    void encodesUtf8Bytes() {
        assertArrayEquals(new int[] {104, 105}, tok.encode("hi", false, false));
        assertArrayEquals(new int[] {256, 104, 105, 257}, tok.encode("hi", true, true));
        assertArrayEquals(new int[] {0xC3, 0xA9}, tok.encode("é", false, false));
        assertArrayEquals(new int[0], tok.encode("", false, false));
        assertEquals(260, tok.vocabSize());
        assertEquals(256, tok.bos());
        assertEquals(257, tok.eos());
        assertEquals("byte", tok.describe());
    }

    @Test
    void roundTripsIncludingNonAscii() {
        for (String s : new String[] {"", "hello\nworld", "Café “quoted” — 日本語 🙂", "\u0000\t"}) {
            assertEquals(s, tok.decode(tok.encode(s, true, true)));
        }
    }

    @Test
    void decodeSkipsSpecialIdsAndReplacesMalformedUtf8() {
        assertEquals("hi", tok.decode(new int[] {256, 104, 258, 105, 259, 257}));
        assertEquals("a\uFFFDb", tok.decode(new int[] {97, 0xC3, 98}));
        assertEquals("\uFFFD", tok.decode(new int[] {0xFF}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {260}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    }

    @Test
    void registryLoadsByNameAndRejectsUnknownTypes() throws IOException {
        List<String> builtIn = List.of("byte", "llama2c", "hf");
        assertEquals(builtIn, TokenizerType.registry().names().stream().filter(builtIn::contains).toList());
        assertEquals("byte", TokenizerType.registry().get("byte").load(null).describe());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenizerType.registry().get("bytes"));
        assertEquals("unknown tokenizer 'bytes'; registered: " + String.join(", ", TokenizerType.registry().names())
                + "; did you mean 'byte'?", e.getMessage());
        IllegalArgumentException noPath = assertThrows(IllegalArgumentException.class,
                () -> TokenizerType.registry().get("llama2c").load(null));
        assertEquals("tokenizer type llama2c needs a path: a llama2.c tokenizer .bin", noPath.getMessage());
    }
}
