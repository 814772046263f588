package dev.sinter.eval.tasks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * HellaSwag from its text format ({@code hellaswag_val_full.txt.bz2}, read compressed): 6 lines per item,
 * {@code activity_label: context}, the gold index, then 4 endings. Prompt as lm-eval's {@code hellaswag}: context
 * {@code preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize())}, continuations
 * {@code " " + preprocess(ending)}.
 *
 * <p>The file joins {@code ctx_a} and {@code ctx_b}, so {@code ctx_b.capitalize()} is approximated by upper-casing
 * the first letter after the context's last {@code ". "} when it is lower-case (ActivityNet items, whose
 * {@code ctx_b} is the lower-case start of the last sentence; WikiHow items have an empty {@code ctx_b}).
 */
public final class HellaSwag {
    private static final Pattern BRACKETS = Pattern.compile("\\[.*?\\]");

    private HellaSwag() {
    }

    /** The task over the given {@code .txt} or {@code .txt.bz2} file. */
    public static MultipleChoiceTask task(Path file) {
        return new MultipleChoiceTask("hellaswag", 0, () -> load(file));
    }

    /** lm-eval's {@code hellaswag.utils.preprocess}. */
    static String preprocess(String text) {
        String t = text.strip().replace(" [title]", ". ");
        t = BRACKETS.matcher(t).replaceAll("");
        return t.replace("  ", " ");
    }

    /** Upper-cases the first letter of the last sentence when it is lower-case (see the class comment). */
    static String capitalizeLastSentence(String ctx) {
        int i = ctx.lastIndexOf(". ");
        if (i < 0 || i + 2 >= ctx.length() || !Character.isLowerCase(ctx.charAt(i + 2))) {
            return ctx;
        }
        return ctx.substring(0, i + 2) + Character.toUpperCase(ctx.charAt(i + 2)) + ctx.substring(i + 3);
    }

    static List<MultipleChoiceTask.Item> load(Path file) throws IOException {
        List<MultipleChoiceTask.Item> items = new ArrayList<>();
        List<String[]> groups = groups(file);
        for (int i = 0; i < groups.size(); i++) {
            items.add(item(file, 6 * i + 1, groups.get(i)));
        }
        return items;
    }

    /** Each item's {@code activity_label: context} line, preprocessed as the task does. */
    public static List<String> contexts(Path file) throws IOException {
        return groups(file).stream().map(g -> preprocess(g[0])).toList();
    }

    /** The file's 6-line groups (context, gold index, 4 endings); a truncated last group is an error. */
    private static List<String[]> groups(Path file) throws IOException {
        List<String[]> groups = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".bz2") ? new BZip2CompressorInputStream(raw, true) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String[] group = new String[6];
            int lineNo = 0;
            String s;
            while ((s = r.readLine()) != null) {
                group[lineNo % 6] = s;
                lineNo++;
                if (lineNo % 6 == 0) {
                    groups.add(group);
                    group = new String[6];
                }
            }
            if (lineNo % 6 != 0) {
                throw new IllegalArgumentException(file + ":" + (lineNo - lineNo % 6 + 1) + ": incomplete item: "
                        + (lineNo % 6) + " of 6 lines (context, gold index, 4 endings)");
            }
        }
        return groups;
    }

    private static MultipleChoiceTask.Item item(Path file, int firstLine, String[] g) {
        if (!g[0].contains(": ")) {
            throw new IllegalArgumentException(file + ":" + firstLine + ": expected 'activity_label: context', got '"
                    + abbreviate(g[0]) + "'");
        }
        String gold = g[1].strip();
        if (!gold.matches("[0-3]")) {
            throw new IllegalArgumentException(file + ":" + (firstLine + 1) + ": expected the gold index 0-3, got '"
                    + abbreviate(g[1]) + "'");
        }
        List<String> endings = new ArrayList<>();
        for (int k = 2; k < 6; k++) {
            endings.add(preprocess(g[k]));
        }
        return MultipleChoiceTask.Item.of(preprocess(capitalizeLastSentence(g[0])), endings, Integer.parseInt(gold),
                " ");
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
