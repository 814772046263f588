package dev.sinter.eval.tasks;

import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;

/**
 * The evaluation tasks of this module, one registration each, over the shared data folder ({@code <shared>/data}:
 * jsonl files in {@code eval/}, texts in {@code corpora/}). Prompts (context → continuation) follow lm-eval's where
 * the llm-foundry files allow:
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
 * The first twelve are the zero-shot suite ({@code zero_shot}), in report order.
 */
public final class EvalPlugin implements SinterPlugin {
    @Override
    public void register(Plugins plugins) {
        mc(plugins, "arc_easy", "ARC-Easy grade-school science questions", "arc_easy.jsonl", "\nAnswer:");
        mc(plugins, "arc_challenge", "ARC-Challenge science questions", "arc_challenge.jsonl", "\nAnswer:");
        mc(plugins, "piqa", "PIQA physical commonsense: the better of two solutions", "piqa.jsonl", "\nAnswer:");
        mc(plugins, "boolq", "BoolQ yes/no questions about a passage", "boolq.jsonl", "\nAnswer:");
        mc(plugins, "copa", "COPA: the more plausible cause or effect", "copa.jsonl", "");
        mc(plugins, "openbookqa", "OpenBookQA elementary science", "openbook_qa.jsonl", "");
        mc(plugins, "siqa", "Social IQa: social situations, letter answers", "siqa.jsonl", "");
        mc(plugins, "commonsense_qa", "CommonsenseQA, letter answers", "commonsense_qa.jsonl", "");
        plugins.register(TaskType.class, new TaskType("winogrande", "WinoGrande pronoun resolution (partial scoring)",
                true, d -> TaskSpec.partial("winogrande", "winogrande.jsonl").toTask(d.resolve("eval"))));
        plugins.register(TaskType.class, new TaskType("winograd_wsc", "Winograd Schema Challenge (partial scoring)",
                true, d -> TaskSpec.partial("winograd_wsc", "winograd_wsc.jsonl").toTask(d.resolve("eval"))));
        plugins.register(TaskType.class, new TaskType("lambada_openai", "LAMBADA (OpenAI): a passage's final word",
                true, d -> new LambadaTask(d.resolve("eval/lambada_openai.jsonl"))));
        plugins.register(TaskType.class, new TaskType("hellaswag", "HellaSwag sentence completion (validation set)",
                true, d -> HellaSwag.task(d.resolve("eval/hellaswag_val_full.txt.bz2"))));
        plugins.register(TaskType.class, new TaskType("wikitext2", "perplexity on WikiText-2 test, by article",
                false, d -> new PerplexityTask("wikitext2", d.resolve("corpora/wikitext-2/test.txt"),
                        PerplexityTask.Split.WIKITEXT)));
        plugins.register(TaskType.class, new TaskType("tinystories", "perplexity on 30k TinyStories validation stories",
                false, d -> new PerplexityTask("tinystories", d.resolve("corpora/tinystories_valid_30k.txt"),
                        PerplexityTask.Split.ENDOFTEXT)));
        plugins.register(TaskType.class, new TaskType("tinystories_sample", "perplexity on the TinyStories sample",
                false, d -> new PerplexityTask("tinystories_sample", d.resolve("corpora/tinystories_sample.txt"),
                        PerplexityTask.Split.ENDOFTEXT)));
    }

    /** A zero-shot multiple-choice task over {@code eval/FILE}, its prompt ending with {@code suffix}. */
    private static void mc(Plugins plugins, String name, String description, String file, String suffix) {
        plugins.register(TaskType.class, new TaskType(name, description, true,
                d -> TaskSpec.multipleChoice(name, file, suffix).toTask(d.resolve("eval"))));
    }
}
