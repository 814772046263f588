package dev.sinter.framework.data;

import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A registered tokenizer kind ({@code data.tokenizer.type} in a run config): its name, whether it reads a file, and
 * how to load it. Registered by the module that implements it, one line in its
 * {@link dev.sinter.framework.registry.SinterPlugin} (the built-in ones in {@link FrameworkPlugin});
 * {@link dev.sinter.framework.config.TokenizerConfig}, {@code sinter ls} and every loader read {@link #registry()}.
 *
 * @param name        the {@code data.tokenizer.type} value
 * @param description one line for {@code sinter ls}
 * @param pathTo      what {@code data.tokenizer.path} points at (e.g. "a llama2.c tokenizer .bin"), or null when the
 *                    tokenizer reads no file and a path is an error
 * @param loader      builds the tokenizer from its path (null for a kind that reads no file)
 */
public record TokenizerType(String name, String description, String pathTo, Loader loader)
        implements Registry.Entry {
    /** Builds a tokenizer from its file (or from nothing, for a tokenizer that reads none). */
    @FunctionalInterface
    public interface Loader {
        Tokenizer load(Path path) throws IOException;
    }

    /** Every registered tokenizer kind, in registration order. */
    public static Registry<TokenizerType> registry() {
        return Plugins.get().registry(TokenizerType.class);
    }

    /**
     * The kind of a tokenizer given only by its file: {@code hf} for a directory or a {@code .json} file, else
     * {@code llama2c}.
     */
    public static TokenizerType forFile(Path path) {
        boolean hf = Files.isDirectory(path) || path.getFileName().toString().endsWith(".json");
        return registry().get(hf ? TokenizerConfig.HF : TokenizerConfig.LLAMA2C);
    }

    /** Whether {@code data.tokenizer.path} must be set for this kind (else it must be absent). */
    public boolean takesPath() {
        return pathTo != null;
    }

    /**
     * The tokenizer of this kind.
     *
     * @param path the file it reads (see {@link #pathTo()}); ignored for a kind that reads none
     * @throws IOException if the file is missing or malformed
     */
    public Tokenizer load(Path path) throws IOException {
        if (takesPath() && path == null) {
            throw new UsageException("tokenizer type " + name + " needs a path: " + pathTo);
        }
        return loader.load(takesPath() ? path : null);
    }
}
