package dev.sinter.framework.data;

import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Creates tokenizers by config name: {@code byte} ({@link ByteTokenizer}), {@code llama2c}
 * ({@link Llama2cTokenizer}) or {@code hf} ({@link HfTokenizer}).
 */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * Returns the tokenizer named {@code type}.
     *
     * @param type {@code byte}, {@code llama2c} or {@code hf}
     * @param path the llama2.c {@code tokenizer.bin} for {@code llama2c} (its vocabulary size is the number of entries
     *             in the file); a Hugging Face {@code tokenizer.json}, or a directory holding one, for {@code hf};
     *             ignored for {@code byte}
     * @throws IOException if the tokenizer file is missing or malformed
     */
    public static Tokenizer byName(String type, Path path) throws IOException {
        if ("byte".equals(type)) {
            return new ByteTokenizer();
        }
        if ("llama2c".equals(type)) {
            if (path == null) {
                throw new UsageException("tokenizer type llama2c needs the path of a llama2.c tokenizer.bin");
            }
            return Llama2cTokenizer.load(path);
        }
        if ("hf".equals(type)) {
            if (path == null) {
                throw new UsageException("tokenizer type hf needs the path of a tokenizer.json (or of its directory)");
            }
            return HfTokenizer.load(path);
        }
        throw new UsageException("unknown tokenizer type '" + type + "': expected byte, llama2c or hf");
    }

    /** The type of a tokenizer given by path: {@code hf} for a directory or a {@code .json} file, else llama2c. */
    public static String typeOf(Path path) {
        return Files.isDirectory(path) || path.getFileName().toString().endsWith(".json") ? "hf" : "llama2c";
    }
}
