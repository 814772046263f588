package dev.sinter.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model}/{@code --tokenizer} options shared by every command that reads a model (picocli mixin). */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "run directory, checkpoint directory or llama2.c .bin file (analyze super-weights also takes"
                    + " encoder:all-minilm-l6-v2 or encoder:bge-small-en-v1.5)")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "llama2.c tokenizer .bin, HF tokenizer.json (or its directory), or 'byte'; default: the"
                    + " checkpoint's own, or tok*.bin beside a .bin")
    String tokenizer;

    /** Loads the model and its tokenizer. */
    ModelAndTokenizer load() throws IOException {
        return ModelAndTokenizer.load(model, tokenizer);
    }
}
