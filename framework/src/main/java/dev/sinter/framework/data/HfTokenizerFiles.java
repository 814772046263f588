package dev.sinter.framework.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes Hugging Face {@code tokenizer.json} text for tokenizers Sinter has in other forms, the way
 * {@code transformers} converts them: GPT-2's {@code vocab.json} + {@code merges.txt} (byte-level BPE) and a llama2.c
 * {@code tokenizer.bin} (SentencePiece BPE with byte fallback, as HF converts Llama-2's {@code tokenizer.model}).
 */
public final class HfTokenizerFiles {
    private static final String GPT2_EOT = "<|endoftext|>";
    /** SentencePiece's word-boundary mark, which llama2.c's files store as a plain space. */
    private static final String METASPACE = "\u2581";
    private static final String[] LLAMA2C_SPECIALS = {"<unk>", "<s>", "</s>"};

    private HfTokenizerFiles() {
    }

    /**
     * GPT-2's tokenizer: the byte-level pre-tokenizer (GPT-2's regex), BPE over {@code vocab.json} with the ranks of
     * {@code merges.txt} (its {@code #version} line skipped), byte-level decoder, and {@code <|endoftext|>} as the
     * added special token.
     */
    public static String fromGpt2(Path vocabJson, Path mergesTxt) throws IOException {
        JsonNode vocab = Json.read(vocabJson);
        if (vocab == null || !vocab.isObject()) {
            throw new IOException(vocabJson + ": expected a JSON object {token: id}");
        }
        ArrayNode merges = Json.mapper().createArrayNode();
        List<String> lines = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || line.startsWith("#version")) {
                continue;
            }
            if (line.split(" ", -1).length != 2) {
                throw new IOException(mergesTxt + ": line " + (i + 1) + " is '" + line + "', expected 'a b'");
            }
            merges.add(line);
        }
        ObjectNode byteLevel = Json.mapper().createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode root = Json.mapper().createObjectNode().put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        if (vocab.has(GPT2_EOT)) {
            added.add(addedToken(vocab.get(GPT2_EOT).asInt(), GPT2_EOT));
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel);
        root.set("post_processor", byteLevel.deepCopy());
        root.set("decoder", byteLevel.deepCopy());
        ObjectNode model = root.putObject("model").put("type", "BPE").put("fuse_unk", false)
                .put("byte_fallback", false);
        model.putNull("unk_token");
        model.set("vocab", vocab);
        model.set("merges", merges);
        return Json.pretty().writeValueAsString(root);
    }

    /**
     * A llama2.c tokenizer as HF's SentencePiece-BPE form: spaces become {@code ▁} and one {@code ▁} is prepended
     * (normalizer), ids 0..2 are the specials {@code <unk>}, {@code <s>}, {@code </s>}, {@code byte_fallback} uses
     * the {@code <0xNN>} pieces, and the merges are every split of a piece into two pieces, ordered by the merged
     * piece's score (highest first; within one piece by the ids of its halves), so the highest-scoring merge wins as
     * in llama2.c. Pieces at or below llama2.c's merge threshold (-1e10) are never merged. The post-processor puts
     * {@code <s>} before the text, as Llama-2's does.
     *
     * @throws IOException if the file is malformed or two ids have the same piece
     */
    public static String fromLlama2c(Path tokBin) throws IOException {
        Llama2cTokenizer tok = Llama2cTokenizer.load(tokBin);
        Map<String, Integer> ids = new HashMap<>();
        List<String> pieces = new ArrayList<>();
        for (int id = 0; id < tok.vocabSize(); id++) {
            String piece = id < LLAMA2C_SPECIALS.length ? LLAMA2C_SPECIALS[id] : tok.piece(id).replace(" ", METASPACE);
            Integer other = ids.putIfAbsent(piece, id);
            if (other != null) {
                throw new IOException(tokBin + ": ids " + other + " and " + id + " have the same piece '" + piece
                        + "'; a tokenizer.json vocabulary needs distinct pieces");
            }
            pieces.add(piece);
        }
        record Merge(String left, String right, float score, int leftId, int rightId) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = LLAMA2C_SPECIALS.length; id < pieces.size(); id++) {
            String whole = pieces.get(id);
            for (int split = 1; split < whole.length() && tok.score(id) > -1e10f; split++) {
                Integer left = ids.get(whole.substring(0, split));
                Integer right = ids.get(whole.substring(split));
                if (left != null && right != null) {
                    merges.add(new Merge(whole.substring(0, split), whole.substring(split), tok.score(id), left,
                            right));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score()).thenComparingInt(Merge::leftId)
                .thenComparingInt(Merge::rightId));

        ObjectNode root = Json.mapper().createObjectNode().put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < LLAMA2C_SPECIALS.length; id++) {
            added.add(addedToken(id, LLAMA2C_SPECIALS[id]));
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        normalizer.putArray("normalizers")
                .add(Json.mapper().createObjectNode().put("type", "Prepend").put("prepend", METASPACE))
                .add(replace(" ", METASPACE));
        root.putNull("pre_tokenizer");
        root.set("post_processor", bosTemplate());
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        decoder.putArray("decoders").add(replace(METASPACE, " "))
                .add(Json.mapper().createObjectNode().put("type", "ByteFallback"))
                .add(Json.mapper().createObjectNode().put("type", "Fuse"))
                .add(Json.mapper().createObjectNode().put("type", "Strip").put("content", " ").put("start", 1)
                        .put("stop", 0));
        ObjectNode model = root.putObject("model").put("type", "BPE").put("unk_token", LLAMA2C_SPECIALS[0])
                .put("fuse_unk", true).put("byte_fallback", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < pieces.size(); id++) {
            vocab.put(pieces.get(id), id);
        }
        ArrayNode mergeArray = model.putArray("merges");
        merges.forEach(m -> mergeArray.add(m.left() + " " + m.right()));
        try {
            return Json.pretty().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IOException(tokBin + ": cannot write its tokenizer.json: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectNode addedToken(int id, String content) {
        return Json.mapper().createObjectNode().put("id", id).put("content", content).put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
    }

    private static ObjectNode replace(String from, String to) {
        ObjectNode r = Json.mapper().createObjectNode().put("type", "Replace").put("content", to);
        r.putObject("pattern").put("String", from);
        return r;
    }

    /** TemplateProcessing {@code <s> $A} (pairs: {@code <s> $A <s> $B}). */
    private static ObjectNode bosTemplate() {
        ObjectNode pp = Json.mapper().createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = pp.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = pp.putArray("pair").addAll(single.deepCopy());
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = pp.putObject("special_tokens").putObject("<s>").put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
        return pp;
    }
}
