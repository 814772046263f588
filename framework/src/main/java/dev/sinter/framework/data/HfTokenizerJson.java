package dev.sinter.framework.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json}, checked before the native library sees it: JSON syntax, a BPE model, the
 * vocabulary's ids (non-negative, below {@value #MAX_IDS}, no id shared by two tokens), merges made of vocabulary
 * tokens, {@code added_tokens} consistent with the vocabulary, and the BOS/EOS ids of its {@code post_processor}. Every
 * problem is one {@link IOException} line naming the file, the entry and what was expected.
 *
 * @param tokenIds       every token of the vocabulary and of {@code added_tokens}, with its id
 * @param vocabSize      the largest id plus one
 * @param byteFallback   whether the model has {@code byte_fallback: true} (unknown characters become {@code <0xNN>})
 * @param templateBos    the token the post-processor puts before the text, or null
 * @param templateEos    the token the post-processor puts after the text, or null
 */
record HfTokenizerJson(Map<String, Integer> tokenIds, int vocabSize, boolean byteFallback, String templateBos,
                       String templateEos) {
    /** Upper bound on ids (and so on the vocabulary size): 16 Mi. */
    static final int MAX_IDS = 1 << 24;

    /** Parses and checks {@code bytes}, the contents of {@code source}. */
    static HfTokenizerJson parse(byte[] bytes, String source) throws IOException {
        JsonNode root;
        try {
            root = Json.mapper().readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (root == null || !root.isObject() || !root.path("model").isObject()) {
            throw new IOException(source + ": no \"model\" object; expected a Hugging Face tokenizer.json");
        }
        JsonNode model = root.get("model");
        String type = model.path("type").asText(model.has("merges") ? "BPE" : "(none)");
        if (!type.equals("BPE")) {
            throw new IOException(source + ": model type '" + type + "' is not supported; Sinter reads BPE"
                    + " tokenizers (byte-level like GPT-2/Llama-3, or byte fallback like Llama-2)");
        }
        Map<String, Integer> ids = new HashMap<>();
        Map<Integer, String> tokens = new HashMap<>();
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IOException(source + ": model.vocab must be a non-empty object {token: id}");
        }
        if (vocab.size() > MAX_IDS) {
            throw new IOException(source + ": model.vocab has " + vocab.size() + " tokens, more than " + MAX_IDS);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = checkedId(e.getValue(), source, "model.vocab['" + e.getKey() + "']");
            String other = tokens.putIfAbsent(id, e.getKey());
            if (other != null) {
                throw new IOException(source + ": id " + id + " is used by both '" + other + "' and '" + e.getKey()
                        + "' in model.vocab; every id must name one token");
            }
            ids.put(e.getKey(), id);
        }
        checkMerges(model.path("merges"), ids, source);
        String unk = model.path("unk_token").isTextual() ? model.get("unk_token").asText() : null;
        if (unk != null && !ids.containsKey(unk)) {
            throw new IOException(source + ": model.unk_token '" + unk + "' is not in model.vocab");
        }
        addAddedTokens(root.path("added_tokens"), vocab.size(), ids, tokens, source);
        String[] template = new String[2];
        templateSpecials(root.path("post_processor"), template, ids, source);
        int vocabSize = tokens.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
        return new HfTokenizerJson(Map.copyOf(ids), vocabSize, model.path("byte_fallback").asBoolean(false),
                template[0], template[1]);
    }

    private static int checkedId(JsonNode node, String source, String where) throws IOException {
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 0 || node.asInt() >= MAX_IDS) {
            throw new IOException(source + ": " + where + " has id " + node + ", expected an integer in [0, "
                    + MAX_IDS + ")");
        }
        return node.asInt();
    }

    /** Each merge is {@code "a b"} or {@code ["a", "b"]}; a, b and ab must all be vocabulary tokens. */
    private static void checkMerges(JsonNode merges, Map<String, Integer> ids, String source) throws IOException {
        if (!merges.isArray()) {
            throw new IOException(source + ": model.merges must be an array of \"a b\" strings or [a, b] pairs");
        }
        for (int i = 0; i < merges.size(); i++) {
            JsonNode m = merges.get(i);
            String[] pair;
            if (m.isTextual()) {
                pair = m.asText().split(" ", -1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).asText(), m.get(1).asText()};
            } else {
                pair = new String[0];
            }
            if (pair.length != 2) {
                throw new IOException(source + ": model.merges[" + i + "] is " + m + ", expected \"a b\" or [a, b]");
            }
            for (String piece : new String[] {pair[0], pair[1], pair[0] + pair[1]}) {
                if (!ids.containsKey(piece)) {
                    throw new IOException(source + ": model.merges[" + i + "] " + m + ": '" + piece
                            + "' is not in model.vocab");
                }
            }
        }
    }

    /**
     * {@code added_tokens}: {id, content}; a token already in the vocabulary must keep its id, and the others must be
     * numbered on from the vocabulary's size in file order, since that is how the tokenizers library assigns them.
     */
    private static void addAddedTokens(JsonNode added, int vocabEntries, Map<String, Integer> ids,
                                       Map<Integer, String> tokens, String source) throws IOException {
        if (added.isMissingNode() || added.isNull()) {
            return;
        }
        if (!added.isArray()) {
            throw new IOException(source + ": added_tokens must be an array of {id, content} objects");
        }
        int newTokens = 0;
        for (int i = 0; i < added.size(); i++) {
            JsonNode t = added.get(i);
            if (!t.path("content").isTextual()) {
                throw new IOException(source + ": added_tokens[" + i + "] has no string \"content\"");
            }
            String content = t.get("content").asText();
            int id = checkedId(t.path("id"), source, "added_tokens[" + i + "] '" + content + "'");
            if (!ids.containsKey(content) && id != vocabEntries + newTokens) {
                throw new IOException(source + ": added_tokens[" + i + "] '" + content + "' has id " + id
                        + ", expected " + (vocabEntries + newTokens) + ": tokens outside model.vocab are numbered on"
                        + " from its size, in order");
            }
            if (!ids.containsKey(content)) {
                newTokens++;
            }
            String other = tokens.putIfAbsent(id, content);
            if (other != null && !other.equals(content)) {
                throw new IOException(source + ": id " + id + " is used by both '" + other + "' and added token '"
                        + content + "'; every id must name one token");
            }
            Integer known = ids.putIfAbsent(content, id);
            if (known != null && known != id) {
                throw new IOException(source + ": added token '" + content + "' has id " + id
                        + " but the vocabulary gives it id " + known);
            }
        }
    }

    /**
     * The special tokens a post-processor wraps a single text in: TemplateProcessing's {@code single} template
     * (before / after {@code $A}), Roberta/Bert's {@code cls}/{@code sep}, or those of a Sequence's members.
     */
    private static void templateSpecials(JsonNode pp, String[] out, Map<String, Integer> ids, String source)
            throws IOException {
        switch (pp.path("type").asText("")) {
            case "Sequence" -> {
                for (JsonNode member : pp.path("processors")) {
                    templateSpecials(member, out, ids, source);
                }
            }
            case "TemplateProcessing" -> {
                boolean seenText = false;
                for (JsonNode item : pp.path("single")) {
                    if (item.has("Sequence")) {
                        seenText = true;
                    } else if (item.has("SpecialToken")) {
                        String name = item.get("SpecialToken").path("id").asText();
                        JsonNode special = pp.path("special_tokens").path(name);
                        JsonNode specialIds = special.path("ids");
                        if (specialIds.size() != 1 || !special.path("tokens").path(0).isTextual()) {
                            throw new IOException(source + ": post_processor special token '" + name
                                    + "' must have exactly one id and token in special_tokens");
                        }
                        String token = special.get("tokens").get(0).asText();
                        requireKnown(token, checkedId(specialIds.get(0), source, "post_processor '" + name + "'"),
                                ids, source);
                        out[seenText ? 1 : 0] = token;
                    }
                }
            }
            case "RobertaProcessing", "BertProcessing" -> {
                out[0] = specialPair(pp.path("cls"), "cls", ids, source);
                out[1] = specialPair(pp.path("sep"), "sep", ids, source);
            }
            default -> {
            }
        }
    }

    private static String specialPair(JsonNode pair, String key, Map<String, Integer> ids, String source)
            throws IOException {
        if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual()) {
            throw new IOException(source + ": post_processor." + key + " must be [token, id]");
        }
        requireKnown(pair.get(0).asText(), checkedId(pair.get(1), source, "post_processor." + key), ids, source);
        return pair.get(0).asText();
    }

    private static void requireKnown(String token, int id, Map<String, Integer> ids, String source)
            throws IOException {
        Integer known = ids.get(token);
        if (known == null || known != id) {
            throw new IOException(source + ": post_processor names '" + token + "' with id " + id
                    + " but the vocabulary " + (known == null ? "has no such token" : "gives it id " + known));
        }
    }
}
