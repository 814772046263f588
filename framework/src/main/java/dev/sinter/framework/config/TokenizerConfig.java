package dev.sinter.framework.config;

/**
 * The {@code data.tokenizer:} section.
 *
 * @param type {@value #BYTE} (UTF-8 bytes plus special ids), {@value #LLAMA2C} (a llama2.c {@code tokenizer.bin}) or
 *             {@value #HF} (a Hugging Face {@code tokenizer.json})
 * @param path the tokenizer file (for {@value #HF} also its directory); required for {@value #LLAMA2C} and
 *             {@value #HF}, absent for {@value #BYTE}
 */
public record TokenizerConfig(String type, String path) {
    public static final String BYTE = "byte";
    public static final String LLAMA2C = "llama2c";
    public static final String HF = "hf";

    public TokenizerConfig {
        Checks.required("type", type);
        Checks.oneOf("type", type, BYTE, LLAMA2C, HF);
        Checks.nonBlank("path", path);
        if (type.equals(LLAMA2C) && path == null) {
            throw new IllegalArgumentException("path must be set for type " + LLAMA2C
                    + "; point it at a llama2.c tokenizer .bin");
        }
        if (type.equals(HF) && path == null) {
            throw new IllegalArgumentException("path must be set for type " + HF
                    + "; point it at a tokenizer.json or the directory holding it");
        }
        if (type.equals(BYTE) && path != null) {
            throw new IllegalArgumentException("path must be absent for type " + BYTE + ", got '" + path
                    + "'; remove it, or use type " + LLAMA2C + " (a llama2.c .bin) or " + HF + " (a tokenizer.json)");
        }
    }
}
