package dev.sinter.framework.config;

/**
 * The {@code data.tokenizer:} section.
 *
 * @param type {@value #BYTE} (UTF-8 bytes plus special ids) or {@value #LLAMA2C} (a llama2.c {@code tokenizer.bin})
 * @param path the tokenizer file; required for {@value #LLAMA2C}, absent for {@value #BYTE}
 */
public record TokenizerConfig(String type, String path) {
    public static final String BYTE = "byte";
    public static final String LLAMA2C = "llama2c";

    public TokenizerConfig {
        Checks.required("type", type);
        Checks.oneOf("type", type, BYTE, LLAMA2C);
        Checks.nonBlank("path", path);
        if (type.equals(LLAMA2C) && path == null) {
            throw new IllegalArgumentException("path must be set for type " + LLAMA2C
                    + "; point it at a llama2.c tokenizer .bin");
        }
        if (type.equals(BYTE) && path != null) {
            throw new IllegalArgumentException("path must be absent for type " + BYTE + ", got '" + path
                    + "'; remove it or use type " + LLAMA2C);
        }
    }
}
