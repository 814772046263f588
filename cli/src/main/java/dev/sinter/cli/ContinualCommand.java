package dev.sinter.cli;

import dev.sinter.encoders.continual.ContinualRunner;
import dev.sinter.encoders.continual.lm.LmContinualConfig;
import dev.sinter.encoders.continual.lm.LmContinualRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sinter continual CONFIG [key.path=value …]}: runs (or resumes) a continual-learning config and prints the
 * accuracy matrix and its summary ({@link Sinter#continual}); a decoder config ({@code continual.domains}) prints
 * the perplexity matrix ({@link Sinter#continualLm}).
 */
@Command(name = "continual", description = "Learn a sequence of classification tasks (or, with continual.domains, "
        + "text domains on a frozen decoder) with one continual-learning method; writes the accuracy (perplexity) "
        + "matrix, forgetting, BWT and PRA (continual.json, continual.html).")
final class ContinualCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML continual config (configs/continual/)")
    Path config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides, e.g. seed=2")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (LmContinualConfig.isLmFile(config)) {
            return decoder();
        }
        ContinualRunner.Result r = Sinter.continual(config, overrides.toArray(String[]::new));
        for (ContinualRunner.Row row : r.rows()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "after %-10s", row.task()));
            row.accuracy().forEach(a -> line.append(String.format(Locale.ROOT, " %5.1f", 100 * a)));
            System.out.println(line);
        }
        System.out.printf(Locale.ROOT, "%s: final average accuracy %s, forgetting %s, BWT %s, prompt sets %s, PRA %s;"
                        + " %s%n", r.summary().get("method"), percent(r.summary().get("final_average_accuracy")),
                percent(r.summary().get("average_forgetting")), percent(r.summary().get("backward_transfer")),
                r.summary().get("prompt_sets"), percent(r.summary().get("pra")), r.runDir().resolve("continual.html"));
        return 0;
    }

    /** A decoder config ({@code continual.domains}): prints the perplexity matrix and its summary. */
    private int decoder() throws Exception {
        LmContinualRunner.Result r = Sinter.continualLm(config, overrides.toArray(String[]::new));
        for (LmContinualRunner.Row row : r.rows()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "after %-12s ppl", row.domain()));
            row.nll().forEach(v -> line.append(String.format(Locale.ROOT, " %8.2f", Math.exp(v))));
            System.out.println(line);
        }
        System.out.printf(Locale.ROOT, "%s: final average perplexity %.2f, forgetting %s nats, prompt sets %s, PRA %s;"
                        + " %s%n", r.summary().get("method"), (Double) r.summary().get("final_average_perplexity"),
                r.summary().get("average_forgetting_nll"), r.summary().get("prompt_sets"),
                percent(r.summary().get("pra")), r.runDir().resolve("continual.json"));
        return 0;
    }

    private static String percent(Object v) {
        return v instanceof Double d ? String.format(Locale.ROOT, "%.1f%%", 100 * d) : "-";
    }
}
