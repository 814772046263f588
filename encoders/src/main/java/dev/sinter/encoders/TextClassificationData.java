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

    /**
     * The examples of a {@code task: {type: classification}} section: train and validation from their files (or
     * {@code validation_size} held out of train), in the section's format, shuffled with {@code seed}.
     */
    public static TextClassificationData of(ClassificationTaskConfig task, long seed) throws IOException {
        Path train = Path.of(task.train());
        if (task.validation() == null) {
            TextClassificationData d = read(task, train, task.validationSize(), task.limit(), seed);
            return d.withClasses(task.classes());
        }
        TextClassificationData t = read(task, train, 0, task.limit(), seed);
        TextClassificationData v = read(task, Path.of(task.validation()), 0, task.validationSize(), seed);
        if (!t.classes().equals(v.classes()) && task.classes() == null) {
            throw new IOException(task.validation() + ": its labels " + v.classes() + " differ from the training"
                    + " labels " + t.classes() + "; list them in task.classes");
        }
        return new TextClassificationData(t.name(), t.classes(), t.train(), v.train()).withClasses(task.classes());
    }

    private static TextClassificationData read(ClassificationTaskConfig task, Path file, int testSize, int limit,
                                               long seed) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": classification data not found; check task.train / task.validation");
        }
        return switch (task.format()) {
            case "boolq" -> boolq(file, testSize, limit, seed);
            case "piqa" -> piqa(file, testSize, limit, seed);
            default -> jsonl(file, task.textFields(), task.labelField(), task.classes(), testSize, limit, seed);
        };
    }

    /** The same examples under the given class names (null keeps them); the label count must not exceed them. */
    private TextClassificationData withClasses(List<String> names) {
        if (names == null) {
            return this;
        }
        int max = java.util.stream.Stream.concat(train.stream(), test.stream()).mapToInt(Item::label).max().orElse(0);
        if (max >= names.size()) {
            throw new IllegalArgumentException("task.classes " + names + " has no class for label index " + max);
        }
        return new TextClassificationData(name, List.copyOf(names), train, test);
    }

    /**
     * Generic JSON Lines examples: the text in {@code textFields[0]} (and the pair's second text in
     * {@code textFields[1]}), the label in {@code labelField}: a class name, or an integer index into {@code classes}.
     * Without {@code classes} the classes are the sorted distinct label names of the file.
     */
    public static TextClassificationData jsonl(Path file, List<String> textFields, String labelField,
                                               List<String> classes, int testSize, int limit, long seed)
            throws IOException {
        List<JsonLine> lines = readJsonLines(file);
        List<String> names = classes;
        if (names == null) {
            java.util.TreeSet<String> seen = new java.util.TreeSet<>();
            for (JsonLine l : lines) {
                seen.add(field(file, l, labelField).asText());
            }
            names = List.copyOf(seen);
        }
        List<Item> all = new ArrayList<>();
        for (JsonLine l : lines) {
            String first = field(file, l, textFields.get(0)).asText();
            String second = textFields.size() > 1 ? field(file, l, textFields.get(1)).asText() : null;
            JsonNode label = field(file, l, labelField);
            int index = label.isIntegralNumber() && classes != null ? label.asInt() : names.indexOf(label.asText());
            if (index < 0 || index >= names.size()) {
                throw new IOException(file + ":" + l.number() + ": label " + label + " is not among the classes "
                        + names + "; fix the label or task.classes");
            }
            all.add(new Item(first, second, index));
        }
        List<List<Item>> split = split(all, testSize, limit, seed);
        return new TextClassificationData(file.getFileName().toString(), names, List.copyOf(split.get(0)),
                List.copyOf(split.get(1)));
    }

    private static JsonNode field(Path file, JsonLine l, String name) throws IOException {
        JsonNode n = l.node().get(name);
        if (n == null || n.isNull()) {
            throw new IOException(file + ":" + l.number() + ": no field '" + name + "'; check task.text_fields and"
                    + " task.label_field");
        }
        return n;
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
