package dev.sinter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sinter.encoders.ClassifierEvaluation;
import dev.sinter.eval.Evaluator;
import dev.sinter.eval.results.EvalResults;
import dev.sinter.eval.results.ResultsWriter;
import dev.sinter.eval.tasks.PerplexityTask;
import dev.sinter.eval.tasks.Task;
import dev.sinter.eval.tasks.TaskResult;
import dev.sinter.eval.tasks.Tasks;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.samediff.SameDiffRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sinter eval --model PATH --tasks a,b,c} (zero-shot tasks, lm-eval-shaped results) or
 * {@code sinter eval --model PATH --perplexity FILE} (mean token NLL, token and word perplexity as JSON), or
 * {@code sinter eval --model RUN --classification FILE} (accuracy and macro-F1 of a classification run's saved
 * classifier, with its Tribuo provenance, as JSON).
 */
@Command(name = "eval", description = {"Zero-shot evaluation (lm-evaluation-harness semantics) or perplexity of a text file.",
        "Tasks: arc_easy, arc_challenge, piqa, boolq, copa, openbookqa, siqa, commonsense_qa, winogrande, winograd_wsc,",
        "lambada_openai, hellaswag (zero_shot = all twelve), wikitext2, tinystories, tinystories_sample, or a YAML task file."})
final class EvalCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

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

    @Mixin
    DataDirOption data;

    @Override
    public Integer call() throws Exception {
        if (limit < 0 || batchSize < 1) {
            throw new UsageException("--limit must be >= 0 and --batch-size >= 1, got " + limit + " and "
                    + batchSize);
        }
        if (what.perplexity != null && !Files.isRegularFile(what.perplexity)) {
            throw new UsageException("--perplexity: file not found: " + what.perplexity.toAbsolutePath());
        }
        if (what.classification != null) {
            if (!Files.isRegularFile(what.classification)) {
                throw new UsageException("--classification: file not found: " + what.classification.toAbsolutePath());
            }
            SameDiffRuntime.init();
            Map<String, Object> scores = ClassifierEvaluation.evaluate(source.model, what.classification);
            String text = JSON.writeValueAsString(scores);
            Path out = output != null ? output : Path.of("runs", "eval", source.model.getFileName().toString());
            Files.createDirectories(out);
            Files.writeString(out.resolve("classification.json"), text);
            System.out.println(text);
            return 0;
        }
        List<Task> tasks = what.perplexity != null ? List.of(PerplexityTask.of(what.perplexity))
                : Tasks.parse(what.tasks, data.dir());
        SameDiffRuntime.init();
        ModelAndTokenizer loaded = source.load();
        Path out = output != null ? output : Path.of("runs", "eval", loaded.path().getFileName().toString()
                .replaceAll("\\.bin$", ""));
        EvalResults r = Evaluator.of(loaded.model(), loaded.tokenizer(), batchSize).limit(limit)
                .config("model_path", loaded.path().toString()).config("tokenizer", loaded.tokenizer().describe())
                .run(tasks);
        Path json = ResultsWriter.write(r, out);
        if (what.perplexity != null) {
            TaskResult t = r.tasks().get(0);
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("file", what.perplexity.toString());
            p.putAll(t.metrics());
            String text = JSON.writeValueAsString(p);
            Files.writeString(out.resolve("perplexity.json"), text);
            System.out.println(text);
        } else {
            printTable(r);
        }
        System.err.println("results: " + json);
        return 0;
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
