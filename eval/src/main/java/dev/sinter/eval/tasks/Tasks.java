package dev.sinter.eval.tasks;

import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The built-in tasks over the shared data folder ({@code <shared>/data}: jsonl files in {@code eval/}, texts in
 * {@code corpora/}), and lookup by name or YAML file.
 *
 * <p>Prompts (context → continuation), following lm-eval's where the llm-foundry files allow:
 * <ul>
 *   <li>{@code arc_easy}, {@code arc_challenge}, {@code piqa}, {@code boolq}: {@code query + "\nAnswer:"} →
 *       {@code " " + choice} (the query already holds {@code Question: …} or {@code Passage: …\nQuestion: …});</li>
 *   <li>{@code copa}, {@code openbookqa}, {@code siqa}, {@code commonsense_qa}: {@code query} →
 *       {@code " " + choice} (COPA's query ends with "because"/"therefore"; SIQA's and CommonsenseQA's end with
 *       {@code Answer:} and their choices are letters);</li>
 *   <li>{@code winogrande}, {@code winograd_wsc}: each context option → {@code " " + continuation} (partial);</li>
 *   <li>{@code lambada_openai}: context → {@code " " + final word}; {@code hellaswag}: see {@link HellaSwag};</li>
 *   <li>perplexity: {@code wikitext2} (WikiText-2 test, by article), {@code tinystories} (the 30k validation
 *       sample, by story) and {@code tinystories_sample}.</li>
 * </ul>
 */
public final class Tasks {
    private static final Map<String, Function<Path, Task>> BUILT_IN = new TreeMap<>();

    static {
        mc("arc_easy", "arc_easy.jsonl", "\nAnswer:");
        mc("arc_challenge", "arc_challenge.jsonl", "\nAnswer:");
        mc("piqa", "piqa.jsonl", "\nAnswer:");
        mc("boolq", "boolq.jsonl", "\nAnswer:");
        mc("copa", "copa.jsonl", "");
        mc("openbookqa", "openbook_qa.jsonl", "");
        mc("siqa", "siqa.jsonl", "");
        mc("commonsense_qa", "commonsense_qa.jsonl", "");
        BUILT_IN.put("winogrande", d -> TaskSpec.partial("winogrande", "winogrande.jsonl").toTask(d.resolve("eval")));
        BUILT_IN.put("winograd_wsc",
                d -> TaskSpec.partial("winograd_wsc", "winograd_wsc.jsonl").toTask(d.resolve("eval")));
        BUILT_IN.put("lambada_openai", d -> new LambadaTask(d.resolve("eval/lambada_openai.jsonl")));
        BUILT_IN.put("hellaswag", d -> HellaSwag.task(d.resolve("eval/hellaswag_val_full.txt.bz2")));
        BUILT_IN.put("wikitext2", d -> new PerplexityTask("wikitext2", d.resolve("corpora/wikitext-2/test.txt"),
                PerplexityTask.Split.WIKITEXT));
        BUILT_IN.put("tinystories", d -> new PerplexityTask("tinystories",
                d.resolve("corpora/tinystories_valid_30k.txt"), PerplexityTask.Split.ENDOFTEXT));
        BUILT_IN.put("tinystories_sample", d -> new PerplexityTask("tinystories_sample",
                d.resolve("corpora/tinystories_sample.txt"), PerplexityTask.Split.ENDOFTEXT));
    }

    /** The twelve zero-shot tasks of the issue, in report order. */
    public static final List<String> ZERO_SHOT = List.of("arc_easy", "arc_challenge", "piqa", "boolq", "copa",
            "openbookqa", "siqa", "commonsense_qa", "winogrande", "winograd_wsc", "lambada_openai", "hellaswag");

    private Tasks() {
    }

    private static void mc(String name, String file, String suffix) {
        BUILT_IN.put(name, d -> TaskSpec.multipleChoice(name, file, suffix).toTask(d.resolve("eval")));
    }

    /** Names of the built-in tasks, sorted. */
    public static List<String> names() {
        return List.copyOf(BUILT_IN.keySet());
    }

    /** The shared data folder: system property {@code sinter.shared} (default {@code ../shared}) + {@code /data}. */
    public static Path defaultDataDir() {
        return Path.of(System.getProperty("sinter.shared", "../shared")).resolve("data").toAbsolutePath().normalize();
    }

    /**
     * A task by name: a built-in name, or a path to a YAML task definition ({@code .yaml}/{@code .yml}).
     *
     * @throws IllegalArgumentException for an unknown name (listing the known ones) or a bad YAML file
     */
    public static Task byName(String name, Path dataDir) throws IOException {
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            Path yaml = Path.of(name);
            if (!Files.isRegularFile(yaml)) {
                throw new UsageException("task file not found: " + yaml.toAbsolutePath());
            }
            return TaskSpec.fromYaml(yaml).toTask(yaml.toAbsolutePath().getParent());
        }
        Function<Path, Task> f = BUILT_IN.get(name);
        if (f == null) {
            throw new UsageException("unknown task '" + name + "'; built-in tasks: " + String.join(", ",
                    names()) + " (or a path to a YAML task definition)");
        }
        return f.apply(dataDir);
    }

    /** Tasks for a comma-separated list; {@code zero_shot} expands to the twelve zero-shot tasks. */
    public static List<Task> parse(String commaSeparated, Path dataDir) throws IOException {
        List<Task> out = new ArrayList<>();
        for (String raw : commaSeparated.split(",")) {
            String n = raw.strip();
            if (n.isEmpty()) {
                continue;
            }
            if (n.equals("zero_shot")) {
                for (String z : ZERO_SHOT) {
                    out.add(byName(z, dataDir));
                }
            } else {
                out.add(byName(n, dataDir));
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("no tasks given; built-in tasks: " + String.join(", ", names()));
        }
        return out;
    }
}
