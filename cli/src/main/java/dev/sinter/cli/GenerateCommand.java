package dev.sinter.cli;

import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.models.decode.DecoderWarmUp;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sinter generate --model PATH …}: streams generated text to stdout as the KV-cache decoder makes it; with
 * {@code --num-samples N > 1} decodes N samples together and prints each when all are done.
 */
@Command(name = "generate", description = "Generate text from a run, a checkpoint or a llama2.c .bin file.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions source;

    @Option(names = "--prompt", defaultValue = "", description = "text to continue (default: from BOS)")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "256") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy") double temperature;
    @Option(names = "--top-p", defaultValue = "0.95") double topP;
    @Option(names = "--top-k", defaultValue = "0", description = "keep the k likeliest tokens (0 = off)") int topK;
    @Option(names = "--repetition-penalty", defaultValue = "1",
            description = "CTRL penalty >= 1 on tokens already in the text (1 = off)") double repetitionPenalty;
    @Option(names = "--seed", defaultValue = "0", description = "sample i of --num-samples draws with seed + i")
    long seed;
    @Option(names = "--num-samples", defaultValue = "1",
            description = "samples of the prompt, decoded together (batched); each printed after a header line")
    int numSamples;

    @Override
    public Integer call() throws Exception {
        DecoderWarmUp.startInBackground(); // compiles the decoder on the other core while the model loads
        ModelAndTokenizer loaded = source.load();
        Tokenizer tok = loaded.tokenizer();
        TransformerModel m = loaded.model();
        int[] ids = tok.encode(prompt, true, false);
        if (numSamples < 1) {
            throw new UsageException("--num-samples must be >= 1, got " + numSamples);
        }
        Generator.Settings settings = new Generator.Settings(maxNewTokens, temperature, topP, topK, repetitionPenalty,
                seed, tok.eos(), tok.vocabSize());
        Generator generator = new Generator(m);
        if (numSamples > 1) {
            List<int[]> samples = generator.generateEach(Collections.nCopies(numSamples, ids), settings);
            for (int i = 0; i < numSamples; i++) {
                System.out.println(String.format("--- sample %d (seed %d) ---", i + 1, seed + i));
                System.out.println(prompt + tok.decode(samples.get(i)));
            }
            return 0;
        }
        System.out.print(prompt);
        List<Integer> generated = new ArrayList<>();
        int[] printed = {0};
        generator.generate(ids, settings, id -> {
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
