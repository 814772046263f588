package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.util.Json;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.data.HfTokenizer;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** {@code sinter export}: HF and llama2.c directories that {@code generate} reads back to the same text. */
class ExportCommandTest {
    @TempDir
    Path dir;

    @Test
    void stories260KExportsToHfAndBackToLlama2cAndGeneratesTheSameText() throws IOException {
        Path tok512 = TestData.fixture("models/stories260K/tok512.bin");
        String bin = TestData.fixture("models/stories260K/stories260K.bin").toString();
        Path hf = dir.resolve("hf");
        Outcome o = CliHarness.run("export", "--model", bin, "--format", "hf", "--output", hf.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("as HF LlamaForCausalLM") && o.out().contains("q/k rows permuted"), o.out());
        assertTrue(o.out().contains("tokenizer: tokenizer.bin (llama2.c, from " + tok512.toAbsolutePath() + "),"
                + " tokenizer.json (HF, made from tok512.bin), tokenizer_config.json"), o.out());
        for (String f : new String[]{"config.json", "model.safetensors", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json", "tokenizer.bin"}) {
            assertTrue(Files.isRegularFile(hf.resolve(f)), f);
        }
        Path back = dir.resolve("back");
        Outcome o2 = CliHarness.run("export", "--model", hf.toString(), "--format", "llama2c", "--output",
                back.toString());
        assertEquals(0, o2.code(), o2.err());
        assertTrue(o2.out().contains("permuted from rotate-half to adjacent-pair"), o2.out());

        String[] greedy = {"--max-new-tokens", "30", "--temperature", "0"};
        String fromBin = generate(bin, greedy);
        assertTrue(fromBin.contains("Once upon a time"), fromBin);
        assertEquals(fromBin, generate(hf.toString(), greedy));
        assertEquals(fromBin, generate(back.resolve("model.bin").toString(), greedy)); // tokenizer.bin beside it
        Files.delete(hf.resolve("tokenizer.bin")); // what transformers reads: tokenizer.json alone
        assertEquals(fromBin, generate(hf.toString(), greedy));
    }

    /** The tokenizer.json written for a llama2.c tokenizer is the same tokenizer, as transformers would load it. */
    @Test
    void exportedTokenizerJsonEncodesLikeTheLlama2cTokenizer() throws IOException {
        Path tok512 = TestData.fixture("models/stories260K/tok512.bin");
        Path hf = dir.resolve("hf");
        Outcome o = CliHarness.run("export", "--model", TestData.fixture("models/stories260K/stories260K.bin")
                .toString(), "--format", "hf", "--output", hf.toString());
        assertEquals(0, o.code(), o.err());
        Files.delete(hf.resolve("tokenizer.bin"));
        Tokenizer exported = ModelIO.tokenizerOf(hf).orElseThrow();
        assertInstanceOf(HfTokenizer.class, exported);
        Llama2cTokenizer llama2c = Llama2cTokenizer.load(tok512);
        String sample = Files.readString(TestData.fixture("corpora/tinystories_sample.txt"));
        int[] ids = llama2c.encode(sample, true, false);
        assertTrue(ids.length > 1000, "the sample is " + ids.length + " tokens");
        assertArrayEquals(ids, exported.encode(sample, true, false));
        assertEquals(List.of(1, 2), List.of(exported.bos(), exported.eos()));
        JsonNode config = Json.read(hf.resolve("config.json"));
        assertEquals(List.of(1, 2), List.of(config.get("bos_token_id").asInt(), config.get("eos_token_id").asInt()));
        JsonNode tokConfig = Json.read(hf.resolve("tokenizer_config.json"));
        assertEquals("<s>", tokConfig.get("bos_token").asText());
        assertEquals("</s>", tokConfig.get("eos_token").asText());
    }

    /** An HF model's own tokenizer files go along even when Sinter cannot read them (here a Unigram tokenizer). */
    @Test
    void anHfDirectoryKeepsATokenizerSinterCannotRead() throws IOException {
        ModelConfig tiny = ModelConfig.builder().dim(16).nLayers(1).nHeads(2).nKvHeads(2).hiddenDim(24).vocabSize(260)
                .maxSeqLen(16).ropeStyle("half").build();
        Path cp = Files.createDirectories(dir.resolve("cp"));
        CheckpointManager.writeModel(cp, TransformerModel.create(tiny, DataType.FLOAT, 1).parameters(),
                ModelIO.metadata(tiny));
        Path hf = dir.resolve("hf");
        assertEquals(0, CliHarness.run("export", "--model", cp.toString(), "--format", "hf", "--output",
                hf.toString()).code());
        String unigram = "{\"version\": \"1.0\", \"model\": {\"type\": \"Unigram\", \"vocab\": [[\"<unk>\", 0.0]]}}";
        Files.writeString(hf.resolve("tokenizer.json"), unigram);
        Files.writeString(hf.resolve("special_tokens_map.json"), "{\"eos_token\": \"</s>\"}");
        Path out = dir.resolve("again");
        Outcome o = CliHarness.run("export", "--model", hf.toString(), "--format", "hf", "--output", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("model type 'Unigram' is not supported"), o.err());
        assertTrue(o.out().contains("tokenizer: tokenizer.json, special_tokens_map.json\n"), o.out());
        assertEquals(unigram, Files.readString(out.resolve("tokenizer.json")));
    }

    @Test
    void refusesWhatTheFormatCannotExpress() throws IOException {
        ModelConfig layernorm = ModelConfig.builder().dim(16).nLayers(1).nHeads(2).nKvHeads(2).hiddenDim(24)
                .vocabSize(260).maxSeqLen(16).norm("layernorm").build();
        Path cp = dir.resolve("ln");
        Files.createDirectories(cp);
        TransformerModel m = TransformerModel.create(layernorm, DataType.FLOAT, 1);
        CheckpointManager.writeModel(cp, m.parameters(), ModelIO.metadata(layernorm));
        Outcome o = CliHarness.run("export", "--model", cp.toString(), "--format", "hf", "--output",
                dir.resolve("x").toString());
        assertEquals(2, o.code(), o.err());
        assertEquals("error: cannot export " + cp + ": HF's LlamaForCausalLM cannot express norm layernorm; only"
                + " RMSNorm, RoPE, SwiGLU, dense models export to --format hf", o.err().strip());
        Outcome o2 = CliHarness.run("export", "--model", cp.toString(), "--format", "llama2c", "--output",
                dir.resolve("y").toString());
        assertEquals(2, o2.code());
        assertTrue(o2.err().contains("a llama2.c v0 file cannot express norm layernorm; use --format hf"), o2.err());
        Outcome o3 = CliHarness.run("export", "--model", cp.toString(), "--format", "gguf", "--output",
                dir.resolve("z").toString());
        assertEquals(2, o3.code());
        assertTrue(o3.err().contains("--format must be hf or llama2c, got 'gguf'"), o3.err());
    }

    private static String generate(String model, String... options) {
        String[] args = new String[3 + options.length];
        args[0] = "generate";
        args[1] = "--model";
        args[2] = model;
        System.arraycopy(options, 0, args, 3, options.length);
        Outcome o = CliHarness.run(args);
        assertEquals(0, o.code(), o.err());
        return o.out();
    }
}
