package dev.sinter.framework.config;

import dev.sinter.framework.data.TokenizerType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The {@code data.tokenizer:} section names every type that takes a path when a path is given where none belongs. */
class TokenizerConfigTest {
    @Test
    void byteWithAPathNamesBothTypesThatTakeOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TokenizerConfig("byte", "tok512.bin"));
        assertEquals("path must be absent for type byte, got 'tok512.bin'; remove it, or use type llama2c (a llama2.c"
                + " tokenizer .bin) or hf (a tokenizer.json or the directory holding it)", e.getMessage());
    }

    @Test
    void llama2cAndHfNeedAPath() {
        assertEquals("path must be set for type llama2c; point it at a llama2.c tokenizer .bin",
                assertThrows(IllegalArgumentException.class, () -> new TokenizerConfig("llama2c", null)).getMessage());
        assertEquals("path must be set for type hf; point it at a tokenizer.json or the directory holding it",
                assertThrows(IllegalArgumentException.class, () -> new TokenizerConfig("hf", null)).getMessage());
    }

    @Test
    void anUnknownTypeListsTheRegisteredOnesAndTheClosest() {
        assertEquals("type must be one of " + String.join(", ", TokenizerType.registry().names())
                + ", got bytes; did you mean 'byte'?",
                assertThrows(IllegalArgumentException.class, () -> new TokenizerConfig("bytes", null)).getMessage());
    }
}
