package dev.sinter.framework.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.util.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model, as a decoder tokenizer: byte-level BPE (GPT-2, Llama-3) and
 * SentencePiece-style BPE with byte fallback (Llama-2: {@code ▁} for spaces, {@code <0xNN>} byte pieces). The file is
 * checked by {@link HfTokenizerJson} first; encoding and decoding are done by the Rust {@code tokenizers} library
 * through DJL, whose jar bundles the native library (nothing is downloaded).
 *
 * <p>BOS and EOS are, in order of preference: {@code bos_token} / {@code eos_token} of a {@code tokenizer_config.json}
 * beside the file; the special tokens the {@code post_processor} puts before / after the text; the first added or
 * vocabulary token among the usual names ({@code <s>}, {@code <|begin_of_text|>}, … / {@code </s>},
 * {@code <|end_of_text|>}, {@code <|endoftext|>}, …). A tokenizer without a BOS (GPT-2, Qwen2) uses its EOS as BOS,
 * the GPT-2 document separator. {@link #encode} never lets the file's post-processor (nor {@code add_bos_token})
 * add anything: it adds BOS and EOS exactly when asked, once. Added tokens that occur in the text (e.g.
 * {@code <|endoftext|>}) are encoded as their id, as in {@code transformers}.
 *
 * <p>{@link #vocabSize} is the largest id plus one, added tokens included. Instances are immutable and thread-safe;
 * DJL frees the native tokenizer when an instance is garbage-collected.
 */
public final class HfTokenizer implements Tokenizer {
    /** The tokenizer file's name in a Hugging Face directory. */
    public static final String FILE = "tokenizer.json";
    /** The optional file beside it that names the BOS and EOS tokens. */
    public static final String CONFIG_FILE = "tokenizer_config.json";

    private static final long MAX_FILE_BYTES = 512L << 20;
    private static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<|startoftext|>", "<bos>",
            "[BOS]");
    private static final List<String> EOS_NAMES = List.of("</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>",
            "<|im_end|>", "[EOS]");
    /** The file's own post-processing, padding and truncation are switched off; BOS/EOS are added here. */
    private static final Map<String, String> OPTIONS = Map.of("addSpecialTokens", "false", "padding", "false",
            "truncation", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final String source;
    private final int vocabSize;
    private final int bos;
    private final int eos;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, String source, int vocabSize, int bos, int eos) {
        this.tokenizer = tokenizer;
        this.source = source;
        this.vocabSize = vocabSize;
        this.bos = bos;
        this.eos = eos;
    }

    /**
     * Loads a {@code tokenizer.json}, or the one in a directory; a {@code tokenizer_config.json} beside it, if any,
     * names BOS and EOS.
     *
     * @throws IOException if a file is missing or malformed, the model is not BPE, or no EOS token can be found; the
     *                     message is one line naming the file and the problem
     */
    public static HfTokenizer load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(FILE) : path;
        byte[] bytes = readLimited(file, "Hugging Face tokenizer.json");
        HfTokenizerJson json = HfTokenizerJson.parse(bytes, file.toString());
        Path configFile = file.resolveSibling(CONFIG_FILE);
        JsonNode config = Files.isRegularFile(configFile) ? readConfig(configFile) : Json.mapper().createObjectNode();
        Integer eos = specialId(json, config, "eos_token", configFile, json.templateEos(), EOS_NAMES);
        if (eos == null) {
            throw new IOException(file + ": no EOS token: set eos_token in " + CONFIG_FILE + " beside it (none of "
                    + EOS_NAMES + " is a token)");
        }
        Integer bos = specialId(json, config, "bos_token", configFile, json.templateBos(), BOS_NAMES);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), OPTIONS);
        } catch (RuntimeException e) {
            throw new IOException(file + ": the tokenizers library rejects it: " + e.getMessage(), e);
        }
        String parent = file.toAbsolutePath().getParent().getFileName() + "/" + file.getFileName();
        return new HfTokenizer(tokenizer, parent, json.vocabSize(), bos == null ? eos : bos, eos);
    }

    private static byte[] readLimited(Path file, String what) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toAbsolutePath().toString(), null, what + " not found");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + ": " + size + " bytes is too large for a " + what + " (limit "
                    + MAX_FILE_BYTES + ")");
        }
        return Files.readAllBytes(file);
    }

    private static JsonNode readConfig(Path configFile) throws IOException {
        try {
            JsonNode config = Json.mapper().readTree(readLimited(configFile, CONFIG_FILE));
            if (config == null || !config.isObject()) {
                throw new IOException(configFile + ": expected a JSON object");
            }
            return config;
        } catch (JsonProcessingException e) {
            throw new IOException(configFile + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    /**
     * The id of {@code key} ({@code bos_token}/{@code eos_token}) of the config, given as a string or as an added-token
     * object {@code {"content": …}}; else of the post-processor's token; else of the first known name; else null.
     */
    private static Integer specialId(HfTokenizerJson json, JsonNode config, String key, Path configFile,
                                     String template, List<String> names) throws IOException {
        JsonNode value = config.path(key);
        String token = value.isTextual() ? value.asText() : value.path("content").isTextual()
                ? value.get("content").asText() : null;
        if (token != null) {
            Integer id = json.tokenIds().get(token);
            if (id == null) {
                throw new IOException(configFile + ": " + key + " '" + token + "' is not a token of " + FILE);
            }
            return id;
        }
        if (template != null) {
            return json.tokenIds().get(template);
        }
        return names.stream().map(json.tokenIds()::get).filter(Objects::nonNull).findFirst().orElse(null);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        Objects.requireNonNull(text, "text");
        long[] raw = tokenizer.encode(text).getIds();
        int start = addBos ? 1 : 0;
        int[] ids = new int[raw.length + start + (addEos ? 1 : 0)];
        if (addBos) {
            ids[0] = bos;
        }
        for (int i = 0; i < raw.length; i++) {
            ids[start + i] = Math.toIntExact(raw[i]);
        }
        if (addEos) {
            ids[ids.length - 1] = eos;
        }
        return ids;
    }

    /** Decodes with the file's decoder (byte-level, or {@code ▁} → space and byte fallback); BOS/EOS are skipped. */
    @Override
    public String decode(int[] ids) {
        long[] kept = new long[ids.length];
        int n = 0;
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocabSize
                        + ") of " + describe());
            }
            if (id != bos && id != eos) {
                kept[n++] = id;
            }
        }
        return tokenizer.decode(Arrays.copyOf(kept, n), false);
    }

    @Override
    public String describe() {
        return "hf:" + source;
    }
}
