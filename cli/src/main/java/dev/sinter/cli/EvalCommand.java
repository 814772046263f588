package dev.sinter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.util.Json;
import dev.sinter.eval.results.EvalResults;
import dev.sinter.eval.tasks.TaskResult;
import dev.sinter.eval.tasks.Tasks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@link Sinter#evaluate} / {@link Sinter#perplexity} / {@link Sinter#evaluateClassifier}: {@code sinter eval --model
 * PATH --tasks a,b,c} (zero-shot tasks, lm-eval-shaped results), {@code sinter eval --model PATH --perplexity FILE}
 * (mean token NLL, token and word perplexity as JSON), or {@code sinter eval --model RUN --classification FILE}
 * (accuracy and macro-F1 of a classification run's saved classifier, with its Tribuo provenance, as JSON).
 */
@Command(name = "eval", description = {"Zero-shot evaluation (lm-evaluation-harness semantics) or perplexity of a text file.",
        "Tasks: the registered ones (sinter ls; zero_shot = the zero-shot suite) or YAML task files."})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOptions source;

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--tasks", paramLabel = "a,b,c", description = "comma-separated task names or YAML task files")
        String tasks;

        @Option(names = "--perplexity", paramLabel = "FILE",
                description = "text file; split at <|endoftext|> or WikiText headings when present")
        Path perplexity;

        @Option(names = "--classification", paramLabel = "FILE",
                description = "labelled examples (the run's task format) for the classifier of a classification run")
        Path classification;
    }

    @Option(names = "--limit", defaultValue = "0", description = "score only the first N items of each task (0 = all)")
    int limit;

    @Option(names = "--batch-size", defaultValue = "16", description = "sequences per forward pass")
    int batchSize;

    @Option(names = "--output", paramLabel = "DIR", description = "results folder (default: runs/eval/<model name>)")
    Path output;

    @Option(names = "--distributed", paramLabel = "YAML",
            description = "a YAML file (e.g. the run config) whose distributed: section spreads the scoring over its "
                    + "workers (threads of this JVM for engine threads, Spark tasks for engine spark); same results")
    Path distributed;

    @Mixin
    DataDirOption data;

    @Override
    public Integer call() throws Exception {
        Sinter.EvalOptions options = new Sinter.EvalOptions(limit, batchSize, output,
                distributed == null ? null : distributedSection(distributed));
        if (what.classification != null) {
            System.out.println(Json.write(Sinter.evaluateClassifier(source.model, what.classification, options)));
            return 0;
        }
        if (what.perplexity != null) {
            Path json = Sinter.perplexity(source.model, source.tokenizer, what.perplexity, options);
            System.out.println(Files.readString(json));
            System.err.println("results: " + json.resolveSibling("results.json"));
        } else {
            Sinter.Evaluation e = Sinter.evaluate(source.model, source.tokenizer, Tasks.parse(what.tasks, data.dir()),
                    options);
            printTable(e.results());
            System.err.println("results: " + e.resultsFile());
        }
        return 0;
    }

    /** The {@code distributed:} section of a YAML file, checked as a run config checks it. */
    static DistributedConfig distributedSection(Path yaml) throws IOException {
        if (!Files.isRegularFile(yaml)) {
            throw new UsageException("--distributed: file not found: " + yaml.toAbsolutePath());
        }
        JsonNode section = new YAMLMapper().readTree(yaml.toFile()).get("distributed");
        if (section == null || !section.isObject()) {
            throw new UsageException(yaml + " has no distributed: section; add one, e.g. distributed: {engine: spark, "
                    + "master: 'local[2]', workers: 2}");
        }
        try {
            return new YAMLMapper().treeToValue(section, DistributedConfig.class);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new UsageException(yaml + ": distributed." + (cause instanceof IllegalArgumentException
                    ? cause.getMessage() : e.getOriginalMessage()));
        }
    }

    private static void printTable(EvalResults r) {
        System.out.printf(Locale.ROOT, "%-16s %6s %-18s %9s %9s %7s%n", "task", "n", "metric", "value", "stderr",
                "chance");
        for (TaskResult t : r.tasks()) {
            for (Map.Entry<String, Double> m : t.metrics().entrySet()) {
                if (m.getKey().endsWith("_stderr")) {
                    continue;
                }
                Double se = t.metrics().get(m.getKey() + "_stderr");
                String chance = m.getKey().startsWith("acc") && !Double.isNaN(t.chance())
                        ? String.format(Locale.ROOT, "%.4f", t.chance()) : "";
                System.out.printf(Locale.ROOT, "%-16s %6d %-18s %9.4f %9s %7s%n", t.task(), t.nEffective(), m.getKey(),
                        m.getValue(), se == null ? "" : String.format(Locale.ROOT, "%.4f", se), chance);
            }
        }
    }
}
