package dev.sinter.framework.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HfTokenizer} against GPT-2 ids from an independent implementation of OpenAI's encoder
 * ({@code bench/gpt2_reference_ids.py} → {@code testdata/tokenizers/gpt2/reference_ids.json}), and against
 * {@link Llama2cTokenizer} on the TinyStories sample through the converted {@code tok512.bin}.
 */
class HfTokenizerTest {
    private static final int GPT2_EOT = 50256;

    @TempDir
    static Path dir;
    private static Path gpt2Json;
    private static Path llamaJson;
    private static HfTokenizer gpt2;
    private static HfTokenizer llama;
    private static Llama2cTokenizer llama2c;

    @BeforeAll
    static void convert() throws IOException {
        gpt2Json = write("gpt2", HfTokenizerFiles.fromGpt2(TestData.fixture("tokenizers/gpt2/vocab.json"),
                TestData.fixture("tokenizers/gpt2/merges.txt")));
        gpt2 = HfTokenizer.load(gpt2Json);
        Path tok512 = TestData.fixture("models/stories260K/tok512.bin");
        llamaJson = write("tok512", HfTokenizerFiles.fromLlama2c(tok512));
        llama = HfTokenizer.load(llamaJson);
        llama2c = Llama2cTokenizer.load(tok512);
    }

    private static Path write(String name, String json) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        return Files.writeString(d.resolve(HfTokenizer.FILE), json);
    }

    @Test
    void gpt2EncodesLikeOpenAisEncoder() throws IOException {
        JsonNode cases = Json.read(TestData.fixture("tokenizers/gpt2/reference_ids.json")).get("cases");
        assertEquals(12, cases.size());
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = Json.mapper().convertValue(c.get("ids"), int[].class);
            assertArrayEquals(expected, gpt2.encode(text, false, false), text);
            assertEquals(text, gpt2.decode(expected), "decode of " + text);
        }
        assertArrayEquals(new int[] {15496, 995}, gpt2.encode("Hello world", false, false));
    }

    /**
     * A Llama-3-shaped file: GPT-2's vocabulary behind Llama-3's Split-regex + ByteLevel pre-tokenizer with
     * {@code ignore_merges}, Llama-3's special tokens, and a Sequence post-processor whose template names the BOS.
     */
    @Test
    void llama3StylePreTokenizerAndSpecials() throws IOException {
        HfTokenizer llama3 = HfTokenizer.load(edited(gpt2Json, "llama3", root -> {
            ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
            ObjectNode split = pre.putArray("pretokenizers").addObject().put("type", "Split")
                    .put("behavior", "Isolated").put("invert", false);
            split.putObject("pattern").put("Regex", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
            pre.withArray("pretokenizers").addObject().put("type", "ByteLevel").put("add_prefix_space", false)
                    .put("trim_offsets", true).put("use_regex", false);
            ((ObjectNode) root.get("model")).put("ignore_merges", true);
            addToken(root, 50257, "<|begin_of_text|>");
            addToken(root, 50258, "<|end_of_text|>");
            ObjectNode pp = root.putObject("post_processor").put("type", "Sequence");
            pp.putArray("processors").add(root.get("decoder").deepCopy()).addObject()
                    .put("type", "TemplateProcessing").putArray("single").addObject().putObject("SpecialToken")
                    .put("id", "<|begin_of_text|>").put("type_id", 0);
            ObjectNode template = (ObjectNode) pp.get("processors").get(1);
            template.withArray("single").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            template.putArray("pair").addAll(template.withArray("single").deepCopy()).addObject()
                    .putObject("Sequence").put("id", "B").put("type_id", 1);
            ObjectNode bos = template.putObject("special_tokens").putObject("<|begin_of_text|>")
                    .put("id", "<|begin_of_text|>");
            bos.putArray("ids").add(50257);
            bos.putArray("tokens").add("<|begin_of_text|>");
        }));
        JsonNode cases = Json.read(TestData.fixture("tokenizers/gpt2/reference_ids.json")).get("cases");
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = Json.mapper().convertValue(c.get("llama3_split_ids"), int[].class);
            assertArrayEquals(expected, llama3.encode(text, false, false), text);
            assertEquals(text, llama3.decode(llama3.encode(text, true, true)), "decode of " + text);
        }
        assertEquals(50259, llama3.vocabSize());
        assertEquals(50257, llama3.bos());
        assertEquals(50258, llama3.eos(), "<|end_of_text|> by name");
        assertArrayEquals(new int[] {50257, 87, 50258}, llama3.encode("x", true, true));
    }

    @Test
    void gpt2SpecialsAndSizes() {
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(GPT2_EOT, gpt2.bos(), "GPT-2 has no BOS: <|endoftext|> starts documents");
        assertEquals(GPT2_EOT, gpt2.eos());
        assertArrayEquals(new int[] {GPT2_EOT, 15496, 995, GPT2_EOT}, gpt2.encode("Hello world", true, true));
        assertEquals("Hello world", gpt2.decode(new int[] {GPT2_EOT, 15496, 995, GPT2_EOT}));
        // an added token inside the text is that token, as in transformers
        assertArrayEquals(new int[] {64, GPT2_EOT, 65}, gpt2.encode("a<|endoftext|>b", false, false));
        assertEquals("hf:gpt2/tokenizer.json", gpt2.describe());
        // a lone continuation token decodes to U+FFFD instead of failing
        assertEquals("\uFFFD", gpt2.decode(new int[] {98}));
    }

    /** The converted llama2.c tokenizer gives exactly llama2.c's ids on the whole sample and on each line. */
    @Test
    void llama2cConversionEncodesTheSampleLikeLlama2c() throws IOException {
        String sample = Files.readString(TestData.fixture("corpora/tinystories_sample.txt"));
        int[] expected = llama2c.encode(sample, true, true);
        assertTrue(expected.length > 800, "the sample is longer than DJL's default 512-token truncation");
        assertArrayEquals(expected, llama.encode(sample, true, true));
        assertEquals(sample, llama.decode(expected));
        for (String line : sample.split("\n")) {
            assertArrayEquals(llama2c.encode(line, false, false), llama.encode(line, false, false), line);
        }
        for (String text : new String[] {"", " ", "  two leading", "naïve 日本 😀", "tab\there\n\nnew", "x"}) {
            assertArrayEquals(llama2c.encode(text, false, false), llama.encode(text, false, false), text);
            assertEquals(text, llama.decode(llama.encode(text, true, false)), text);
        }
    }

    @Test
    void llama2cConversionSpecialsAreAddedOnceAsAsked() {
        assertEquals(512, llama.vocabSize());
        assertEquals(1, llama.bos());
        assertEquals(2, llama.eos());
        int[] plain = llama.encode("Lily", false, false);
        assertTrue(plain.length > 0 && plain[0] != 1, "the file's post-processor adds <s>; encode must not");
        int[] both = llama.encode("Lily", true, true);
        assertEquals(plain.length + 2, both.length);
        assertEquals(1, both[0]);
        assertEquals(2, both[both.length - 1]);
        assertArrayEquals(plain, Arrays.copyOfRange(both, 1, both.length - 1));
        assertEquals(1, Arrays.stream(both).filter(id -> id == 1).count(), "BOS exactly once");
    }

    /** HF's newer Llama-2 files use a Metaspace pre-tokenizer instead of the Prepend/Replace normalizer. */
    @Test
    void metaspacePreTokenizerVariantGivesTheSameIds() throws IOException {
        HfTokenizer metaspace = HfTokenizer.load(edited(llamaJson, "metaspace", root -> {
            root.putNull("normalizer");
            root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
                    .put("prepend_scheme", "first").put("split", false);
        }));
        String text = "Once upon a time,  there was a little girl named Lily.\nShe was 3 years old.";
        assertArrayEquals(llama2c.encode(text, true, false), metaspace.encode(text, true, false));
    }

    @Test
    void tokenizerConfigNamesBosAndEos() throws IOException {
        Path d = dir.resolve("config");
        Files.createDirectories(d);
        Files.copy(llamaJson, d.resolve(HfTokenizer.FILE));
        Files.writeString(d.resolve(HfTokenizer.CONFIG_FILE),
                "{\"add_bos_token\": true, \"bos_token\": {\"content\": \"</s>\"}, \"eos_token\": \"<unk>\"}");
        HfTokenizer tok = HfTokenizer.load(d);
        assertEquals(2, tok.bos(), "tokenizer_config.json wins over the post-processor's <s>");
        assertEquals(0, tok.eos());
        Files.writeString(d.resolve(HfTokenizer.CONFIG_FILE), "{\"eos_token\": \"<|im_end|>\"}");
        IOException e = assertThrows(IOException.class, () -> HfTokenizer.load(d));
        assertEquals(d.resolve(HfTokenizer.CONFIG_FILE) + ": eos_token '<|im_end|>' is not a token of tokenizer.json",
                e.getMessage());
        Files.writeString(d.resolve(HfTokenizer.CONFIG_FILE), "{\"eos_token\": ");
        assertTrue(assertThrows(IOException.class, () -> HfTokenizer.load(d)).getMessage()
                .startsWith(d.resolve(HfTokenizer.CONFIG_FILE) + ": not valid JSON"));
    }

    /** Without tokenizer_config.json, the post-processor's template (here inside a Sequence) names the BOS. */
    @Test
    void postProcessorTemplateNamesTheBos() throws IOException {
        HfTokenizer tok = HfTokenizer.load(edited(llamaJson, "template", root -> {
            ObjectNode template = (ObjectNode) root.get("post_processor");
            template.withArray("single").get(0).withObject("SpecialToken").put("id", "<unk>");
            template.withArray("pair").get(0).withObject("SpecialToken").put("id", "<unk>");
            template.withArray("pair").get(2).withObject("SpecialToken").put("id", "<unk>");
            ObjectNode unk = template.putObject("special_tokens").putObject("<unk>").put("id", "<unk>");
            unk.putArray("ids").add(0);
            unk.putArray("tokens").add("<unk>");
            root.putObject("post_processor").put("type", "Sequence").putArray("processors").add(template);
        }));
        assertEquals(0, tok.bos());
        assertEquals(2, tok.eos());
    }

    @Test
    void loadsByNameFromAFileOrItsDirectory() throws IOException {
        assertEquals(512, TokenizerType.registry().get("hf").load(llamaJson.getParent()).vocabSize());
        assertEquals(50257, TokenizerType.registry().get("hf").load(gpt2Json).vocabSize());
        assertThrows(IllegalArgumentException.class, () -> TokenizerType.registry().get("hf").load(null));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> TokenizerType.registry().get("hf").load(dir.resolve("none")));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> llama.decode(new int[] {5, 512}));
        assertEquals("token id 512 is outside the vocabulary [0, 512) of hf:tok512/tokenizer.json", e.getMessage());
    }

    @Test
    void vocabSizeCoversAddedTokensBeyondTheVocabulary() throws IOException {
        HfTokenizer tok = HfTokenizer.load(edited(llamaJson, "added", root -> addToken(root, 512, "<|extra|>")));
        assertEquals(513, tok.vocabSize());
        int[] ids = tok.encode("a<|extra|>b", false, false);
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 512).count(), Arrays.toString(ids));
        assertEquals("<|extra|>", tok.decode(new int[] {512}));
        // the tokenizers library numbers new added tokens on from the vocabulary, so a gap would change the ids
        assertTrue(message(edited(llamaJson, "gap", root -> addToken(root, 600, "<|extra|>"))).endsWith(
                ": added_tokens[3] '<|extra|>' has id 600, expected 512: tokens outside model.vocab are numbered on"
                        + " from its size, in order"));
    }

    private static void addToken(ObjectNode root, int id, String content) {
        root.withArray("added_tokens").addObject().put("id", id).put("content", content).put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
    }

    @Test
    void rejectsBadFilesWithOneLine() throws IOException {
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Path file = bad.resolve(HfTokenizer.FILE);
        Files.writeString(file, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,}}");
        assertTrue(message(file).startsWith(file + ": not valid JSON ("), message(file));
        Files.writeString(file, "[1, 2]");
        assertEquals(file + ": no \"model\" object; expected a Hugging Face tokenizer.json", message(file));

        assertEquals(dir.resolve("x").resolve(HfTokenizer.FILE) + ": model type 'Unigram' is not supported;"
                + " Sinter reads BPE tokenizers (byte-level like GPT-2/Llama-3, or byte fallback like Llama-2)",
                message(edited(llamaJson, "x", root -> {
                    ObjectNode model = root.putObject("model").put("type", "Unigram");
                    model.putArray("vocab").addArray().add("<unk>").add(0.0);
                })));
        assertTrue(message(edited(llamaJson, "wp", root -> ((ObjectNode) root.get("model")).put("type", "WordPiece")))
                .endsWith("model type 'WordPiece' is not supported; Sinter reads BPE tokenizers (byte-level like"
                        + " GPT-2/Llama-3, or byte fallback like Llama-2)"));

        assertTrue(message(edited(llamaJson, "neg", root -> vocab(root).put("▁t", -1)))
                .endsWith("model.vocab['▁t'] has id -1, expected an integer in [0, 16777216)"));
        assertTrue(message(edited(llamaJson, "big", root -> vocab(root).put("▁t", 1 << 24)))
                .endsWith("model.vocab['▁t'] has id 16777216, expected an integer in [0, 16777216)"));
        assertTrue(message(edited(llamaJson, "str", root -> vocab(root).put("▁t", "7")))
                .endsWith("model.vocab['▁t'] has id \"7\", expected an integer in [0, 16777216)"));
        assertTrue(message(edited(llamaJson, "dup", root -> vocab(root).put("▁zzz", 259)))
                .endsWith(": id 259 is used by both '▁t' and '▁zzz' in model.vocab; every id must name one token"));
        assertTrue(message(edited(llamaJson, "merge",
                root -> ((ObjectNode) root.get("model")).withArray("merges").add("▁ q▁")))
                .endsWith("'q▁' is not in model.vocab"));
        assertTrue(message(edited(llamaJson, "addedid", root -> {
            vocab(root).put("▁t", 512);
            addToken(root, 512, "<x>");
        })).endsWith(": id 512 is used by both '▁t' and added token '<x>'; every id must name one token"));
        assertTrue(message(edited(llamaJson, "addedmove", root -> addToken(root, 700, "</s>")))
                .endsWith(": added token '</s>' has id 700 but the vocabulary gives it id 2"));
        assertTrue(message(edited(llamaJson, "pp", root -> ((ObjectNode) root.get("post_processor")
                .get("special_tokens").get("<s>")).putArray("ids").add(5)))
                .endsWith(": post_processor names '<s>' with id 5 but the vocabulary gives it id 1"));
        assertTrue(message(edited(llamaJson, "noeos", root -> {
            root.putArray("added_tokens");
            vocab(root).remove("</s>");
            vocab(root).put("<end>", 2);
        })).contains(": no EOS token: set eos_token in tokenizer_config.json beside it"));
    }

    private static ObjectNode vocab(ObjectNode root) {
        return (ObjectNode) root.get("model").get("vocab");
    }

    private static String message(Path file) {
        return assertThrows(IOException.class, () -> HfTokenizer.load(file)).getMessage();
    }

    /** A copy of {@code source} changed by {@code edit}, written as {@code name/tokenizer.json}. */
    private static Path edited(Path source, String name, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) Json.read(source);
        edit.accept(root);
        return write(name, Json.write(root));
    }
}
