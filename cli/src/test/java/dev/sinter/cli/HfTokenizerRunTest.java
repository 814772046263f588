package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.framework.data.HfTokenizer;
import dev.sinter.framework.data.HfTokenizerFiles;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run trained with {@code data.tokenizer: {type: hf}} keeps its tokenizer.json and tokenizer_config.json in each
 * checkpoint, {@code generate} / {@code eval --model RUN} tokenize with it again, {@code merge} and
 * {@code quantize --save} carry it over, and {@code --tokenizer} accepts a tokenizer.json.
 */
class HfTokenizerRunTest {
    @TempDir
    static Path dir;
    static Path tok512;
    static Path json;
    static Path config;
    static Path run;

    /** Converts tok512.bin to tokenizer.json (+ a tokenizer_config.json) and trains the tiny model 2 steps with it. */
    @BeforeAll
    static void train() throws IOException {
        tok512 = TestData.fixture("models/stories260K/tok512.bin");
        Path tokDir = Files.createDirectories(dir.resolve("tok"));
        json = Files.writeString(tokDir.resolve(HfTokenizer.FILE), HfTokenizerFiles.fromLlama2c(tok512));
        config = Files.writeString(tokDir.resolve(HfTokenizer.CONFIG_FILE),
                "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"add_bos_token\": true}");
        run = CliHarness.trainTiny(dir, "hf", CliHarness.corpus(dir), 2, "model.vocab_size=512",
                "data.tokenizer={type: hf, path: " + json + "}");
    }

    @Test
    void checkpointsKeepTheHfTokenizerAndGenerateAndEvalUseIt() throws IOException {
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
        JsonNode p = Json.read(dir.resolve("eval/perplexity.json"));
        assertEquals(ids.length, p.get("tokens").asInt(), "eval counts the hf tokenizer's tokens");
        assertNotEquals(text.length(), ids.length);
        double nll = model.loss(new int[][] {tok.encode(text, true, false)});
        assertEquals(nll, p.get("mean_token_nll").asDouble(), 1e-5);
    }

    /** merge and quantize --save copy tokenizer_config.json with tokenizer.json, so BOS/EOS stay the same. */
    @Test
    void mergeAndQuantizeKeepTheTokenizerConfig() throws IOException {
        Path lora = CliHarness.trainTiny(dir, "hf-lora", CliHarness.corpus(dir), 2, "model.from=" + run,
                "model.vocab_size=512", "data.tokenizer={type: hf, path: " + json.getParent() + "}",
                "trainer={type: lora, rank: 2, alpha: 4, dropout: 0.0, targets: [q, v]}");
        Path merged = dir.resolve("merged");
        Outcome m = CliHarness.run("merge", "--adapter", lora.toString(), "--output", merged.toString());
        assertEquals(0, m.code(), m.err());
        Path quantized = dir.resolve("q8");
        Outcome q = CliHarness.run("quantize", "--model", run.toString(), "--naive", "--bits", "8", "--block-sizes",
                "tensor", "--save", quantized.toString());
        assertEquals(0, q.code(), q.err());
        for (Path saved : List.of(merged, quantized)) {
            assertArrayEquals(Files.readAllBytes(json), Files.readAllBytes(saved.resolve(ModelIO.TOKENIZER_FILE)));
            assertArrayEquals(Files.readAllBytes(config), Files.readAllBytes(saved.resolve(HfTokenizer.CONFIG_FILE)),
                    saved.toString());
            assertEquals("hf:" + saved.getFileName() + "/tokenizer.json",
                    ModelIO.tokenizerOf(saved).orElseThrow().describe());
        }
    }

    /**
     * {@code export --format hf} keeps an HF tokenizer's files byte for byte, whether the source is the run, its
     * checkpoint or an exported HF directory, and {@code generate} reads the exported directory without --tokenizer.
     */
    @Test
    void exportKeepsTheHfTokenizerFiles() throws IOException {
        Path exported = dir.resolve("export-run");
        List<Path> sources = List.of(run, ModelIO.resolve(run), exported);
        for (int i = 0; i < sources.size(); i++) {
            Path out = dir.resolve(i == 0 ? "export-run" : "export-" + i);
            Outcome o = CliHarness.run("export", "--model", sources.get(i).toString(), "--format", "hf", "--output",
                    out.toString());
            assertEquals(0, o.code(), o.err());
            assertTrue(o.out().contains("tokenizer: tokenizer.json, tokenizer_config.json\n"), o.out());
            assertArrayEquals(Files.readAllBytes(json), Files.readAllBytes(out.resolve(HfTokenizer.FILE)));
            assertArrayEquals(Files.readAllBytes(config), Files.readAllBytes(out.resolve(HfTokenizer.CONFIG_FILE)));
            assertFalse(Files.exists(out.resolve(ModelIO.TOKENIZER_BIN)));
        }
        String[] greedy = {"--prompt", "The cat", "--max-new-tokens", "6", "--temperature", "0"};
        Outcome fromRun = CliHarness.run(concat("generate", "--model", run.toString(), greedy));
        Outcome fromExport = CliHarness.run(concat("generate", "--model", exported.toString(), greedy));
        assertEquals(0, fromExport.code(), fromExport.err());
        assertEquals(fromRun.out(), fromExport.out());
    }

    private static String[] concat(String a, String b, String c, String... rest) {
        String[] all = new String[3 + rest.length];
        all[0] = a;
        all[1] = b;
        all[2] = c;
        System.arraycopy(rest, 0, all, 3, rest.length);
        return all;
    }

    /** {@code --tokenizer} takes a tokenizer.json or its directory: stories260K tells the same story with it. */
    @Test
    void generateTakesATokenizerJsonAsTokenizer() {
        String model = TestData.fixture("models/stories260K/stories260K.bin").toString();
        Outcome bin = CliHarness.run("generate", "--model", model, "--tokenizer", tok512.toString(),
                "--max-new-tokens", "60", "--temperature", "0");
        assertEquals(0, bin.code(), bin.err());
        for (Path tokenizer : List.of(json, json.getParent())) {
            Outcome hf = CliHarness.run("generate", "--model", model, "--tokenizer", tokenizer.toString(),
                    "--max-new-tokens", "60", "--temperature", "0");
            assertEquals(0, hf.code(), hf.err());
            assertEquals(bin.out(), hf.out());
        }
        assertTrue(bin.out().startsWith("Once upon a time, there was a little girl named Lily."), bin.out());
    }
}
