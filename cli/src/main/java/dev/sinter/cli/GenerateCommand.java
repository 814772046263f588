package dev.sinter.cli;

import dev.sinter.framework.data.Tokenizer;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.transformer.TransformerModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sinter generate --model PATH …}: streams generated text to stdout. */
@Command(name = "generate", description = "Generate text from a run, a checkpoint or a llama2.c .bin file.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions source;

    @Option(names = "--prompt", defaultValue = "", description = "text to continue (default: from BOS)")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "256") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy") double temperature;
    @Option(names = "--top-p", defaultValue = "0.95") double topP;
    @Option(names = "--seed", defaultValue = "0") long seed;

    @Override
    public Integer call() throws Exception {
        ModelAndTokenizer loaded = source.load();
        Tokenizer tok = loaded.tokenizer();
        TransformerModel m = loaded.model();
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
}
