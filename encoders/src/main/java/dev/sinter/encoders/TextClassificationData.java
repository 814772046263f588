package dev.sinter.encoders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Text-classification examples (a text or text pair and a class index) with a deterministic train/test split.
 *
 * @param classes class names, index = label
 */
public record TextClassificationData(String name, List<String> classes, List<Item> train, List<Item> test) {
    /** One example: {@code first} (and optional {@code second}) text, gold class index. */
    public record Item(String first, String second, int label) {
    }

    /**
     * BoolQ from {@code ../shared/data/eval/boolq.jsonl} ({@code query: "Passage: …\nQuestion: …?"},
     * {@code choices: [no, yes]}, {@code gold}) as pairs (question, passage) → no/yes. The split shuffles the file's
     * examples with {@code new Random(seed)} and holds out the first {@code testSize}; {@code limit} caps the total
     * (0 = all).
     */
    public static TextClassificationData boolq(Path file, int testSize, int limit, long seed) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        List<Item> all = new ArrayList<>();
        List<String> classes = null;
        int line = 0;
        for (String s : Files.readAllLines(file)) {
            line++;
            if (s.isBlank()) {
                continue;
            }
            JsonNode n = json.readTree(s);
            String q = n.path("query").asText();
            int p = q.indexOf("Passage: ");
            int k = q.lastIndexOf("\nQuestion: ");
            if (p != 0 || k < 0 || !n.has("gold")) {
                throw new IOException(file + ":" + line + ": expected {query: \"Passage: …\\nQuestion: …\", choices, gold}");
            }
            if (classes == null) {
                classes = new ArrayList<>();
                for (JsonNode c : n.path("choices")) {
                    classes.add(c.asText());
                }
            }
            all.add(new Item(q.substring(k + "\nQuestion: ".length()), q.substring("Passage: ".length(), k),
                    n.get("gold").asInt()));
        }
        Collections.shuffle(all, new Random(seed));
        if (limit > 0 && limit < all.size()) {
            all = all.subList(0, limit);
        }
        if (testSize >= all.size()) {
            throw new IllegalArgumentException("test size " + testSize + " leaves no training data of " + all.size());
        }
        return new TextClassificationData("boolq", List.copyOf(classes), List.copyOf(all.subList(testSize, all.size())),
                List.copyOf(all.subList(0, testSize)));
    }

    /** The majority class of the training split and its accuracy on the test split. */
    public double majorityBaseline() {
        int[] counts = new int[classes.size()];
        train.forEach(i -> counts[i.label()]++);
        int best = 0;
        for (int c = 1; c < counts.length; c++) {
            best = counts[c] > counts[best] ? c : best;
        }
        int bestClass = best;
        return test.stream().filter(i -> i.label() == bestClass).count() / (double) test.size();
    }

    /** Tokenises items into one padded batch (rows are later re-padded per mini-batch). */
    public static EncodedBatch encode(EncoderTokenizer tok, List<Item> items, int maxLength) {
        List<String> a = items.stream().map(Item::first).toList();
        boolean pairs = items.stream().allMatch(i -> i.second() != null);
        return pairs ? tok.encodePairs(a, items.stream().map(Item::second).toList(), maxLength) : tok.encode(a, maxLength);
    }
}
