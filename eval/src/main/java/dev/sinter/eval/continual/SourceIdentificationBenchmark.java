package dev.sinter.eval.continual;

import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A class-incremental text benchmark with real labels: which data set a passage comes from. Every class is one real
 * source (TinyStories, WikiText-2, BoolQ passages, HellaSwag contexts, …, read from {@code ../shared/data}); the
 * classes arrive {@code classesPerTask} at a time, in a fixed order, so task t adds new classes and the model must
 * still tell the old ones apart. Texts are cut to {@value #MAX_WORDS} words, de-duplicated, shuffled with the seed
 * and split per class into train / validation / test without overlap. Written as
 * {@code task-NN/{train,validation,test}.jsonl} rows {@code {"text", "label"}} plus {@code benchmark.json} (sources
 * with their SHA-256, the split, the seed and the task → classes list), so the same command on the same data
 * rebuilds the same files.
 */
public final class SourceIdentificationBenchmark {
    /** Words per window of running text (corpora). */
    static final int WINDOW_WORDS = 32;
    /** Texts longer than this are cut, so length alone does not give the source away. */
    static final int MAX_WORDS = 48;
    /** Shorter texts are dropped. */
    static final int MIN_WORDS = 5;

    /** The default texts per class: 100 train, 20 validation, 60 test (the smallest default source, TinyStories, has 184). */
    public static final Split DEFAULT_SPLIT = new Split(100, 20, 60);

    /**
     * One class: a label, the file it is read from and how ({@code corpus}, {@code question}, {@code passage},
     * {@code context_question}, {@code query}, {@code context}, {@code winogrande}, {@code hellaswag}).
     */
    public record Source(String label, Path file, String kind) {
        TextSourceKind reader() {
            try {
                return TextSourceKind.valueOf(kind.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("source '" + label + "': unknown kind '" + kind + "'; one of "
                        + java.util.Arrays.stream(TextSourceKind.values()).map(k -> k.name().toLowerCase(Locale.ROOT))
                        .toList());
            }
        }
    }

    /** Texts per class in each split. */
    public record Split(int train, int validation, int test) {
        public Split {
            if (train < 1 || validation < 0 || test < 1) {
                throw new IllegalArgumentException("per-class split needs train >= 1, validation >= 0, test >= 1, got "
                        + train + "/" + validation + "/" + test);
            }
        }

        int total() {
            return train + validation + test;
        }
    }

    /** What was written: the classes of each task, in order. */
    public record Result(Path directory, List<List<String>> tasks) {
    }

    private SourceIdentificationBenchmark() {
    }

    /**
     * The twelve default classes under {@code dataDir} (the layout of {@code ../shared/data}), ordered so that each
     * pair of consecutive classes is one task: (TinyStories, WikiText-2), (BoolQ passages, HellaSwag contexts), (ARC
     * questions, PIQA goals), (TinyShakespeare, LAMBADA contexts), (SIQA contexts, Winogrande sentences),
     * (CommonsenseQA questions, OpenBookQA stems).
     */
    public static List<Source> defaultSources(Path dataDir) {
        return List.of(
                new Source("tinystories", dataDir.resolve("corpora/tinystories_valid_30k.txt"), "corpus"),
                new Source("wikitext", dataDir.resolve("corpora/wikitext-2/valid.txt"), "corpus"),
                new Source("boolq", dataDir.resolve("eval/boolq.jsonl"), "passage"),
                new Source("hellaswag", dataDir.resolve("eval/hellaswag_val_full.txt.bz2"), "hellaswag"),
                new Source("arc", dataDir.resolve("eval/arc_easy.jsonl"), "question"),
                new Source("piqa", dataDir.resolve("eval/piqa.jsonl"), "question"),
                new Source("shakespeare", dataDir.resolve("corpora/tinyshakespeare.txt"), "corpus"),
                new Source("lambada", dataDir.resolve("eval/lambada_openai.jsonl"), "context"),
                new Source("siqa", dataDir.resolve("eval/siqa.jsonl"), "context_question"),
                new Source("winogrande", dataDir.resolve("eval/winogrande.jsonl"), "winogrande"),
                new Source("commonsense_qa", dataDir.resolve("eval/commonsense_qa.jsonl"), "question"),
                new Source("openbook_qa", dataDir.resolve("eval/openbook_qa.jsonl"), "query"));
    }

    /**
     * Reads every source, checks that each has enough distinct texts, and writes the benchmark into {@code out}.
     * Fails before writing anything when a file is missing, a kind is unknown, the classes do not divide into tasks
     * or a source is too small for the split.
     */
    public static Result build(List<Source> sources, int classesPerTask, Split perClass, long seed, Path out)
            throws IOException {
        if (classesPerTask < 2 || sources.size() % classesPerTask != 0 || sources.size() / classesPerTask < 2) {
            throw new IllegalArgumentException(sources.size() + " classes do not make at least 2 tasks of "
                    + classesPerTask + " (>= 2) classes each; change classes_per_task or the sources");
        }
        Map<String, List<String>> texts = new LinkedHashMap<>();
        List<Map<String, Object>> described = new ArrayList<>();
        for (Source s : sources) {
            TextSourceKind reader = s.reader();
            if (!Files.isRegularFile(s.file())) {
                throw new IllegalArgumentException("source '" + s.label() + "': file not found: " + s.file());
            }
            if (texts.containsKey(s.label())) {
                throw new IllegalArgumentException("source label '" + s.label() + "' is used twice");
            }
            List<String> distinct = new ArrayList<>(new LinkedHashSet<>(reader.read(s.file()).stream()
                    .filter(t -> t.split(" ").length >= MIN_WORDS).toList()));
            if (distinct.size() < perClass.total()) {
                throw new IllegalArgumentException("source '" + s.label() + "' (" + s.file() + ") has "
                        + distinct.size() + " distinct texts of >= " + MIN_WORDS + " words, the split needs "
                        + perClass.total() + "; lower the per-class counts");
            }
            Collections.shuffle(distinct, new Random(seed * 1_000_003L + s.label().hashCode()));
            texts.put(s.label(), distinct);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("label", s.label());
            d.put("file", s.file().getFileName().toString());
            d.put("kind", s.kind());
            d.put("sha256", sha256(s.file()));
            d.put("distinct_texts", distinct.size());
            described.add(d);
        }
        List<List<String>> tasks = new ArrayList<>();
        List<String> labels = new ArrayList<>(texts.keySet());
        for (int t = 0; t < labels.size() / classesPerTask; t++) {
            List<String> classes = labels.subList(t * classesPerTask, (t + 1) * classesPerTask);
            tasks.add(List.copyOf(classes));
            Path dir = out.resolve(taskDirectory(t));
            Files.createDirectories(dir);
            writeSplit(dir.resolve("train.jsonl"), classes, texts, 0, perClass.train());
            writeSplit(dir.resolve("validation.jsonl"), classes, texts, perClass.train(), perClass.validation());
            writeSplit(dir.resolve("test.jsonl"), classes, texts, perClass.train() + perClass.validation(),
                    perClass.test());
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("benchmark", "source identification, class-incremental");
        manifest.put("seed", seed);
        manifest.put("classes_per_task", classesPerTask);
        manifest.put("per_class", Map.of("train", perClass.train(), "validation", perClass.validation(),
                "test", perClass.test()));
        manifest.put("max_words", MAX_WORDS);
        manifest.put("window_words", WINDOW_WORDS);
        manifest.put("tasks", tasks);
        manifest.put("sources", described);
        Json.writePretty(out.resolve("benchmark.json"), manifest);
        return new Result(out, tasks);
    }

    /** {@code task-01}, {@code task-02}, … for task index 0, 1, … */
    public static String taskDirectory(int task) {
        return String.format(Locale.ROOT, "task-%02d", task + 1);
    }

    static String truncateWords(String text) {
        String[] words = text.split(" ");
        return words.length <= MAX_WORDS ? text : String.join(" ", java.util.Arrays.copyOf(words, MAX_WORDS));
    }

    /** Rows {@code from .. from+count} of each class, classes interleaved in a fixed order. */
    private static void writeSplit(Path file, List<String> classes, Map<String, List<String>> texts, int from,
                                   int count) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = from; i < from + count; i++) {
                for (String label : classes) {
                    Map<String, String> row = new LinkedHashMap<>();
                    row.put("text", texts.get(label).get(i));
                    row.put("label", label);
                    w.write(Json.write(row));
                    w.write('\n');
                }
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
