package dev.sinter.framework.config;

import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.TokenizerType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code data.tokenizer:} section.
 *
 * @param type a registered {@link TokenizerType}: {@value #BYTE} (UTF-8 bytes plus special ids), {@value #LLAMA2C} (a
 *             llama2.c {@code tokenizer.bin}), {@value #HF} (a Hugging Face {@code tokenizer.json}), …
 * @param path the tokenizer file: required for a type that reads one ({@link TokenizerType#takesPath()}), absent
 *             for the others
 */
public record TokenizerConfig(String type, String path) {
    public static final String BYTE = "byte";
    public static final String LLAMA2C = "llama2c";
    public static final String HF = "hf";

    public TokenizerConfig {
        Checks.required("type", type);
        List<String> types = TokenizerType.registry().names();
        TokenizerType kind = TokenizerType.registry().find(type).orElseThrow(() -> new IllegalArgumentException(
                "type must be one of " + String.join(", ", types) + ", got " + type + Suggest.didYouMean(type, types)));
        Checks.nonBlank("path", path);
        if (kind.takesPath() && path == null) {
            throw new IllegalArgumentException("path must be set for type " + type + "; point it at " + kind.pathTo());
        }
        if (!kind.takesPath() && path != null) {
            List<String> withPath = TokenizerType.registry().entries().stream().filter(TokenizerType::takesPath)
                    .map(t -> t.name() + " (" + t.pathTo() + ")").toList();
            throw new IllegalArgumentException("path must be absent for type " + type + ", got '" + path
                    + "'; remove it, or use type " + String.join(" or ", withPath));
        }
    }

    /** Loads the configured tokenizer through its registered type. */
    public Tokenizer load() throws IOException {
        return TokenizerType.registry().get(type).load(path == null ? null : Path.of(path));
    }
}
