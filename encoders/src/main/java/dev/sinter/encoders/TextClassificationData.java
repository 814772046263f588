package dev.sinter.encoders;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.util.Json;
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
        List<Item> all = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        for (JsonLine l : readJsonLines(file)) {
            JsonNode n = l.node();
            String q = n.path("query").asText();
            int p = q.indexOf("Passage: ");
            int k = q.lastIndexOf("\nQuestion: ");
            if (p != 0 || k < 0 || !n.has("gold")) {
                throw new IOException(file + ":" + l.number()
                        + ": expected {query: \"Passage: …\\nQuestion: …\", choices, gold}");
            }
            if (classes.isEmpty()) {
                n.path("choices").forEach(c -> classes.add(c.asText()));
            }
            all.add(new Item(q.substring(k + "\nQuestion: ".length()), q.substring("Passage: ".length(), k),
                    n.get("gold").asInt()));
        }
        List<List<Item>> split = split(all, testSize, limit, seed);
        return new TextClassificationData("boolq", List.copyOf(classes), List.copyOf(split.get(0)),
                List.copyOf(split.get(1)));
    }

    /**
     * PIQA from {@code ../shared/data/eval/piqa.jsonl} ({@code query: "Question: <goal>\n"}, two {@code choices},
     * {@code gold}) as a cross-encoder task: each goal gives two pairs (goal, solution) → wrong/right, adjacent and
     * in the file's order, so a goal is answered by the solution with the higher probability of "right" (see
     * {@link #pairedAccuracy}). Goals are shuffled with {@code new Random(seed)}; the first {@code testSize} goals are
     * held out, both pairs of a goal on the same side; {@code limit} caps the goals (0 = all).
     */
    public static TextClassificationData piqa(Path file, int testSize, int limit, long seed) throws IOException {
        List<Item[]> goals = new ArrayList<>();
        for (JsonLine l : readJsonLines(file)) {
            JsonNode n = l.node();
            String q = n.path("query").asText();
            JsonNode choices = n.path("choices");
            if (!q.startsWith("Question: ") || choices.size() != 2 || !n.has("gold")) {
                throw new IOException(file + ":" + l.number()
                        + ": expected {query: \"Question: …\", choices: [2], gold}");
            }
            String goal = q.substring("Question: ".length()).strip();
            int gold = n.get("gold").asInt();
            goals.add(new Item[]{new Item(goal, choices.get(0).asText(), gold == 0 ? 1 : 0),
                    new Item(goal, choices.get(1).asText(), gold == 1 ? 1 : 0)});
        }
        List<List<Item[]>> split = split(goals, testSize, limit, seed);
        return new TextClassificationData("piqa", List.of("wrong", "right"), flatten(split.get(0)),
                flatten(split.get(1)));
    }

    /** One non-blank line of a JSON Lines file, with its 1-based number for error messages. */
    private record JsonLine(int number, JsonNode node) {
    }

    private static List<JsonLine> readJsonLines(Path file) throws IOException {
        List<JsonLine> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                out.add(new JsonLine(i + 1, Json.read(lines.get(i))));
            }
        }
        return out;
    }

    /**
     * Shuffles with {@code new Random(seed)}, caps at {@code limit} (0 = all) and holds out the first
     * {@code testSize}: returns [train, test].
     */
    private static <T> List<List<T>> split(List<T> all, int testSize, int limit, long seed) {
        List<T> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(seed));
        if (limit > 0 && limit < shuffled.size()) {
            shuffled = shuffled.subList(0, limit);
        }
        if (testSize >= shuffled.size()) {
            throw new IllegalArgumentException("test size " + testSize + " leaves no training data of "
                    + shuffled.size());
        }
        return List.of(shuffled.subList(testSize, shuffled.size()), shuffled.subList(0, testSize));
    }

    private static List<Item> flatten(List<Item[]> goals) {
        return goals.stream().flatMap(java.util.Arrays::stream).toList();
    }

    /**
     * Accuracy of choosing, for each adjacent pair of test items (one PIQA goal), the item with the higher
     * probability of class 1.
     *
     * @param probs class probabilities {@code [test items, 2]}
     */
    public double pairedAccuracy(org.nd4j.linalg.api.ndarray.INDArray probs) {
        int correct = 0;
        for (int i = 0; i + 1 < test.size(); i += 2) {
            int pick = probs.getDouble(i, 1) >= probs.getDouble(i + 1, 1) ? i : i + 1;
            correct += test.get(pick).label();
        }
        return correct / (test.size() / 2.0);
    }

    /**
     * The paired tasks' majority baseline: always choose the position (first or second item of a pair) that was
     * right more often in the training split, scored on the test split.
     */
    public double pairedMajorityBaseline() {
        long firstRight = java.util.stream.IntStream.iterate(0, i -> i + 1 < train.size(), i -> i + 2)
                .filter(i -> train.get(i).label() == 1).count();
        int position = firstRight * 2 >= train.size() / 2 ? 0 : 1;
        return java.util.stream.IntStream.iterate(0, i -> i + 1 < test.size(), i -> i + 2)
                .filter(i -> test.get(i + position).label() == 1).count() / (test.size() / 2.0);
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
