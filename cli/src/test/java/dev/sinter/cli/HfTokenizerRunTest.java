package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.framework.data.HfTokenizer;
import dev.sinter.framework.data.HfTokenizerFiles;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.ModelIO;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run trained with {@code data.tokenizer: {type: hf}} keeps its tokenizer.json and tokenizer_config.json in each
 * checkpoint, and {@code generate} / {@code eval --model RUN} tokenize with it again.
 */
class HfTokenizerRunTest {
    @TempDir
    static Path dir;

    @Test
    void checkpointsKeepTheHfTokenizerAndGenerateAndEvalUseIt() throws IOException {
        Path tok512 = TestData.fixture("models/stories260K/tok512.bin");
        Path tokDir = Files.createDirectories(dir.resolve("tok"));
        Path json = Files.writeString(tokDir.resolve(HfTokenizer.FILE), HfTokenizerFiles.fromLlama2c(tok512));
        Path config = Files.writeString(tokDir.resolve(HfTokenizer.CONFIG_FILE),
                "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"add_bos_token\": true}");
        Path run = CliHarness.trainTiny(dir, "hf", CliHarness.corpus(dir), 2, "model.vocab_size=512",
                "data.tokenizer={type: hf, path: " + json + "}");

        Path checkpoint = ModelIO.resolve(run);
        assertArrayEquals(Files.readAllBytes(json), Files.readAllBytes(checkpoint.resolve(ModelIO.TOKENIZER_FILE)));
        assertArrayEquals(Files.readAllBytes(config), Files.readAllBytes(checkpoint.resolve(HfTokenizer.CONFIG_FILE)));
        Tokenizer tok = ModelIO.tokenizerOf(checkpoint).orElseThrow();
        String text = "The cat sat on the mat. Tom ran to the house.";
        int[] ids = Llama2cTokenizer.load(tok512).encode(text, false, false);
        assertEquals("hf:" + checkpoint.getFileName() + "/tokenizer.json", tok.describe());
        assertArrayEquals(ids, tok.encode(text, false, false));

        String prompt = "The cat";
        Outcome g = CliHarness.run("generate", "--model", run.toString(), "--prompt", prompt, "--max-new-tokens", "6",
                "--temperature", "0");
        assertEquals(0, g.code(), g.err());
        TransformerModel model = ModelIO.load(run);
        List<Integer> greedy = new ArrayList<>();
        new Generator(model).generate(tok.encode(prompt, true, false),
                new Generator.Settings(6, 0, 0.95, 0, tok.eos()), greedy::add);
        assertEquals(prompt + tok.decode(greedy.stream().mapToInt(Integer::intValue).toArray()) + "\n", g.out());

        Path file = Files.writeString(dir.resolve("ppl.txt"), text);
        Outcome e = CliHarness.run("eval", "--model", run.toString(), "--perplexity", file.toString(), "--output",
                dir.resolve("eval").toString());
        assertEquals(0, e.code(), e.err());
        JsonNode p = CliHarness.JSON.readTree(dir.resolve("eval/perplexity.json").toFile());
        assertEquals(ids.length, p.get("tokens").asInt(), "eval counts the hf tokenizer's tokens");
        assertNotEquals(text.length(), ids.length);
        double nll = model.loss(new int[][] {tok.encode(text, true, false)});
        assertEquals(nll, p.get("mean_token_nll").asDouble(), 1e-5);
    }
}
