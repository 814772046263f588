package dev.sinter.eval.tasks;

import dev.sinter.eval.lm.LanguageModel;
import dev.sinter.eval.lm.LanguageModel.Rolling;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.metrics.Metrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Perplexity of a text file, as lm-eval's {@code wikitext}: the file is split into documents, each scored with
 * rolling windows ({@link LanguageModel#loglikelihoodRolling}), BOS before its first token. Metrics:
 * {@code mean_token_nll} (Σ NLL / Σ tokens), {@code token_perplexity}, {@code word_perplexity} (words = runs of
 * non-whitespace), {@code byte_perplexity} (UTF-8 bytes) and {@code bits_per_byte}.
 */
public final class PerplexityTask implements Task {
    /** How a file is split into documents. */
    public enum Split {
        /** {@code <|endoftext|>} if present, else WikiText article headings if present, else the whole file. */
        AUTO,
        /** The whole file is one document. */
        NONE,
        /** Documents separated by {@code <|endoftext|>} (TinyStories). */
        ENDOFTEXT,
        /** WikiText articles: a new one starts at each top-level heading line {@code " = Title = "}. */
        WIKITEXT
    }

    static final String END_OF_TEXT = "<|endoftext|>";
    private static final Pattern WIKI_HEADING = Pattern.compile("^ = [^=].* = $");

    private final String name;
    private final Path file;
    private final Split split;

    public PerplexityTask(String name, Path file, Split split) {
        this.name = name;
        this.file = file;
        this.split = split;
    }

    /** A task named after the file, split automatically. */
    public static PerplexityTask of(Path file) {
        return new PerplexityTask(file.getFileName().toString(), file, Split.AUTO);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int version() {
        return 0;
    }

    /** The documents of the file, each stripped of surrounding whitespace; empty ones are dropped. */
    public List<String> documents() throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Split s = split;
        if (s == Split.AUTO) {
            s = text.contains(END_OF_TEXT) ? Split.ENDOFTEXT
                    : text.lines().anyMatch(l -> WIKI_HEADING.matcher(l).matches()) ? Split.WIKITEXT : Split.NONE;
        }
        List<String> docs = new ArrayList<>();
        switch (s) {
            case ENDOFTEXT -> docs.addAll(Arrays.asList(text.split(Pattern.quote(END_OF_TEXT))));
            case WIKITEXT -> {
                StringBuilder cur = new StringBuilder();
                for (String line : text.split("\n", -1)) {
                    if (WIKI_HEADING.matcher(line).matches() && !cur.toString().isBlank()) {
                        docs.add(cur.toString());
                        cur.setLength(0);
                    }
                    cur.append(line).append('\n');
                }
                docs.add(cur.toString());
            }
            default -> docs.add(text);
        }
        return docs.stream().map(String::strip).filter(d -> !d.isEmpty()).toList();
    }

    @Override
    public TaskResult evaluate(LanguageModel lm, int limit, Progress progress) throws IOException {
        List<String> all = documents();
        List<String> docs = limit > 0 && limit < all.size() ? all.subList(0, limit) : all;
        List<Rolling> scored = lm.loglikelihoodRolling(docs, progress);
        double ll = 0;
        long tokens = 0;
        long words = 0;
        long bytes = 0;
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            Rolling r = scored.get(i);
            long w = words(docs.get(i));
            long b = docs.get(i).getBytes(StandardCharsets.UTF_8).length;
            ll += r.logprob();
            tokens += r.tokens();
            words += w;
            bytes += b;
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("doc_id", i);
            s.put("loglikelihood", r.logprob());
            s.put("tokens", r.tokens());
            s.put("words", w);
            s.put("bytes", b);
            samples.add(s);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("mean_token_nll", -ll / tokens);
        m.put("token_perplexity", Metrics.weightedPerplexity(ll, tokens));
        m.put("word_perplexity", Metrics.weightedPerplexity(ll, words));
        m.put("byte_perplexity", Metrics.weightedPerplexity(ll, bytes));
        m.put("bits_per_byte", Metrics.bitsPerByte(ll, bytes));
        m.put("tokens", (double) tokens);
        m.put("words", (double) words);
        m.put("documents", (double) docs.size());
        return new TaskResult(name, version(), all.size(), docs.size(), m, Double.NaN, samples, List.of());
    }

    static long words(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%s, split %s)", name, file, split.name().toLowerCase(Locale.ROOT));
    }
}
