package dev.sinter.cli;

import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the CLI resolves {@code --model PATH [--tokenizer PATH|byte]}: a run directory (newest checkpoint), a
 * checkpoint directory (its own tokenizer) or a llama2.c {@code .bin} (the first {@code tok*.bin} beside it by name).
 */
record ModelAndTokenizer(Path path, TransformerModel model, Tokenizer tokenizer) {

    /** Loads both; the tokenizer must not have more ids than the model's vocabulary. */
    static ModelAndTokenizer load(Path model, String tokenizer) throws IOException {
        Path resolved = ModelIO.resolve(model);
        Tokenizer tok = tokenizer(resolved, tokenizer);
        TransformerModel m = ModelIO.load(resolved);
        if (tok.vocabSize() > m.config().vocabSize()) {
            throw new UsageException("tokenizer " + tok.describe() + " has " + tok.vocabSize()
                    + " ids but the model's vocabulary has " + m.config().vocabSize() + "; pass the model's tokenizer");
        }
        return new ModelAndTokenizer(resolved, m, tok);
    }

    private static Tokenizer tokenizer(Path resolved, String tokenizer) throws IOException {
        if (tokenizer != null) {
            return tokenizer.equals("byte") ? TokenizerType.registry().get("byte").load(null)
                    : TokenizerType.forFile(Path.of(tokenizer)).load(Path.of(tokenizer));
        }
        if (Files.isDirectory(resolved)) {
            return ModelIO.tokenizerOf(resolved).orElseThrow(() -> new UsageException(
                    resolved + " has no tokenizer.json; pass --tokenizer PATH"));
        }
        Path tok = ModelIO.llama2cTokenizerBeside(resolved).orElseThrow(() -> new UsageException(
                "no tokenizer given for " + resolved + "; pass --tokenizer PATH (e.g. tok512.bin)"));
        return TokenizerType.registry().get("llama2c").load(tok);
    }
}
