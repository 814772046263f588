package dev.sinter.eval.continual;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.eval.tasks.HellaSwag;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How the texts of one benchmark class are read from a real data file: the content only, with each data set's
 * formatting scaffolding ("Question: ", "Passage: ", answer lists) removed, so a classifier has to tell sources
 * apart by what they say and how, not by a prompt template.
 */
enum TextSourceKind {
    /** Running text (a corpus): consecutive windows of {@link SourceIdentificationBenchmark#WINDOW_WORDS} words. */
    CORPUS(TextSourceKind::corpusWindows),
    /** {@code query} minus a leading {@code Question: } (ARC, PIQA, CommonsenseQA), up to its choice list. */
    QUESTION(file -> jsonl(file, n -> questionOf(n.path("query").asText()))),
    /** BoolQ: the passage of {@code Passage: …\nQuestion: …}. */
    PASSAGE(file -> jsonl(file, n -> between(n.path("query").asText(), "Passage: ", "\nQuestion:"))),
    /** SIQA: the context and question of {@code Context: …\nQuestion: …\nChoices: …}. */
    CONTEXT_QUESTION(file -> jsonl(file, n -> {
        String q = n.path("query").asText();
        return (between(q, "Context: ", "\nQuestion:") + " " + between(q, "Question: ", "\nChoices:")).strip();
    })),
    /** The {@code query} as is (OpenBookQA, COPA). */
    QUERY(file -> jsonl(file, n -> n.path("query").asText())),
    /** LAMBADA: the {@code context}. */
    CONTEXT(file -> jsonl(file, n -> n.path("context").asText())),
    /** Winogrande: the correct option followed by the continuation. */
    WINOGRANDE(file -> jsonl(file, n -> n.path("context_options").path(n.path("gold").asInt()).asText() + " "
            + n.path("continuation").asText())),
    /** HellaSwag: each item's context without its activity label. */
    HELLASWAG(TextSourceKind::hellaswagContexts);

    private final Reader reader;

    TextSourceKind(Reader reader) {
        this.reader = reader;
    }

    @FunctionalInterface
    interface Reader {
        List<String> read(Path file) throws IOException;
    }

    /** Every text of {@code file}, in file order, whitespace-normalised and cut to the benchmark's word limit. */
    List<String> read(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String t : reader.read(file)) {
            String clean = SourceIdentificationBenchmark.truncateWords(t.replaceAll("\\s+", " ").strip());
            if (!clean.isEmpty()) {
                out.add(clean);
            }
        }
        return out;
    }

    private static List<String> corpusWindows(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8)
                .replace("<|endoftext|>", " ")
                .replaceAll("(?m)^ ?=( =)* .* =( =)* ?$", " "); // WikiText's section headings
        String[] words = text.strip().split("\\s+");
        List<String> out = new ArrayList<>();
        int w = SourceIdentificationBenchmark.WINDOW_WORDS;
        for (int i = 0; i + w <= words.length; i += w) {
            out.add(String.join(" ", java.util.Arrays.copyOfRange(words, i, i + w)));
        }
        return out;
    }

    private static List<String> hellaswagContexts(Path file) throws IOException {
        return HellaSwag.contexts(file).stream().map(c -> {
            int colon = c.indexOf(": ");
            return colon < 0 ? c : c.substring(colon + 2);
        }).toList();
    }

    private static List<String> jsonl(Path file, Function<JsonNode, String> field) throws IOException {
        List<String> out = new ArrayList<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = Json.read(line);
            } catch (IOException e) {
                throw new IOException(file + ":" + number + ": not a JSON object (" + e.getMessage() + ")", e);
            }
            out.add(field.apply(n));
        }
        return out;
    }

    private static String questionOf(String query) {
        String q = query.startsWith("Question: ") ? query.substring("Question: ".length()) : query;
        int choices = q.indexOf("\nChoices:");
        return choices < 0 ? q : q.substring(0, choices);
    }

    private static String between(String s, String start, String end) {
        int a = s.indexOf(start);
        if (a < 0) {
            return "";
        }
        a += start.length();
        int b = s.indexOf(end, a);
        return b < 0 ? s.substring(a) : s.substring(a, b);
    }
}
