package dev.sinter.cli;

import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.Tokenizers;
import dev.sinter.models.ModelIO;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sinter generate --model PATH …}: streams generated text to stdout. */
@Command(name = "generate", description = "Generate text from a run, a checkpoint or a llama2.c .bin file.")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "run directory, checkpoint directory or llama2.c .bin file")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "llama2.c tokenizer .bin, or 'byte'; default: the checkpoint's own, or tok*.bin beside a .bin")
    String tokenizer;

    @Option(names = "--prompt", defaultValue = "", description = "text to continue (default: from BOS)")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "256") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy") double temperature;
    @Option(names = "--top-p", defaultValue = "0.95") double topP;
    @Option(names = "--seed", defaultValue = "0") long seed;

    @Override
    public Integer call() throws Exception {
        Path resolved = ModelIO.resolve(model);
        Tokenizer tok = tokenizer(resolved);
        TransformerModel m = ModelIO.load(resolved);
        if (tok.vocabSize() > m.config().vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + tok.describe() + " has " + tok.vocabSize()
                    + " ids but the model's vocabulary has " + m.config().vocabSize() + "; pass the model's tokenizer");
        }
        int[] ids = tok.encode(prompt, true, false);
        System.out.print(prompt);
        List<Integer> generated = new ArrayList<>();
        int[] printed = {0};
        new Generator(m).generate(ids, new Generator.Settings(maxNewTokens, temperature, topP, seed, tok.eos()), id -> {
            generated.add(id);
            String text = tok.decode(generated.stream().mapToInt(Integer::intValue).toArray());
            if (text.length() > printed[0]) {
                System.out.print(text.substring(printed[0]));
                System.out.flush();
                printed[0] = text.length();
            }
        });
        System.out.println();
        return 0;
    }

    private Tokenizer tokenizer(Path resolved) throws IOException {
        if (tokenizer != null) {
            return tokenizer.equals("byte") ? Tokenizers.byName("byte", null)
                    : Tokenizers.byName("llama2c", Path.of(tokenizer));
        }
        if (Files.isDirectory(resolved)) {
            return ModelIO.tokenizerOf(resolved).orElseThrow(() -> new IllegalArgumentException(
                    resolved + " has no tokenizer.json; pass --tokenizer PATH"));
        }
        try (var s = Files.list(resolved.toAbsolutePath().getParent())) {
            Path tok = s.filter(p -> p.getFileName().toString().matches("tok.*\\.bin")).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no tokenizer given for " + resolved
                            + "; pass --tokenizer PATH (e.g. tok512.bin)"));
            return Tokenizers.byName("llama2c", tok);
        }
    }
}
