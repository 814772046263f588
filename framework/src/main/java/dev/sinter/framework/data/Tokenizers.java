package dev.sinter.framework.data;

import java.io.IOException;
import java.nio.file.Path;

/** The former look-up of tokenizers by name, now {@link TokenizerType#registry()}. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer named {@code type}: {@code TokenizerType.registry().get(type).load(path)}.
     *
     * @deprecated kept only for the callers that other branches of issue #16 are rewriting ({@code TrainingRun},
     *             {@code TrainCommand}); call {@link TokenizerType#registry()}{@code .get(type).load(path)}
     */
    @Deprecated(forRemoval = true)
    public static Tokenizer byName(String type, Path path) throws IOException {
        return TokenizerType.registry().get(type).load(path);
    }
}
