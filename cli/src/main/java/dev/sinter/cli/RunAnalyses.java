package dev.sinter.cli;

import dev.sinter.eval.report.RunReport;
import dev.sinter.eval.superweights.EmergenceListener;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.superweights.SuperWeightReport;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.trainers.AnalysisConfig;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The analyses a run's {@code analysis:} section switches on, installed on its {@link TrainingRun} through the run's
 * own hooks: emergence tracking as a model listener (per-layer super-activation maxima on a probe prompt every
 * {@code training.log_every} steps, into {@code metrics.jsonl}), and a finisher that, while the run directory is
 * still locked, runs the super-weight detector on the trained model ({@code super_weights.txt},
 * {@code super_weights/}) and writes the run report ({@code report.html}, {@code report.json}, {@code loss.png}).
 * A {@code task:} run (e.g. encoder classification) gets none of them: they read a decoder language model.
 * When the detector does not apply (every layer MoE, or probe prompts longer than the context) its verdict says
 * {@code not applicable: <reason>} and the run still ends normally.
 */
final class RunAnalyses implements TrainingRun.Finisher {
    private final RunConfig config;
    private final Tokenizer tokenizer;
    private SuperWeightDetector.Outcome verdict;
    private Path report;
    private Path superWeightReport;

    private RunAnalyses(RunConfig config, Tokenizer tokenizer) {
        this.config = config;
        this.tokenizer = tokenizer;
    }

    /** Adds the configured listeners and the end-of-run finisher to {@code run}; read the outputs after it ran. */
    static RunAnalyses install(TrainingRun run, RunConfig config) throws IOException {
        if (config.task() != null) {
            return new RunAnalyses(config, null); // the analyses read a decoder language model; a task run has none
        }
        Tokenizer tok = config.data().tokenizer().load();
        if (config.analysis().emergence()) {
            int[] probe = tok.encode(SuperWeightDetector.DEFAULT_PROMPTS.get(0), true, false);
            MetricsJsonl metrics = new MetricsJsonl(run.runDirectory().resolve("metrics.jsonl"));
            int every = config.training().logEvery();
            run.addModelListener(m -> new EmergenceListener(m,
                    Arrays.copyOf(probe, Math.min(probe.length, m.config().maxSeqLen())), every, metrics));
        }
        RunAnalyses analyses = new RunAnalyses(config, tok);
        run.addFinisher(analyses);
        return analyses;
    }

    /**
     * Whether {@code runDir} holds a finished run of exactly {@code config}: its resolved config is this one, and its
     * summary and every end-of-run output the config switches on are written.
     */
    static boolean finished(Path runDir, RunConfig config) throws IOException {
        Path written = runDir.resolve("config.yaml");
        if (!Files.isRegularFile(written) || !Files.readString(written).equals(config.toYaml())
                || !Files.isRegularFile(runDir.resolve("summary.json"))) {
            return false;
        }
        AnalysisConfig a = config.analysis();
        boolean superWeights = !a.superWeights() || Files.isRegularFile(runDir.resolve("super_weights.txt"));
        boolean report = !a.report() || Files.isRegularFile(runDir.resolve("report.json"));
        return config.task() != null || superWeights && report;
    }

    @Override
    public void finish(TrainingRun.Result r) throws IOException {
        if (config.task() != null) {
            return;
        }
        if (config.analysis().superWeights()) {
            verdict = new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT)
                    .analyse(r.decoder(), tokenizer, SuperWeightDetector.DEFAULT_PROMPTS);
            superWeightReport = new SuperWeightReport(r.runDir().resolve("super_weights"),
                    "Super weights at the end of " + config.name(),
                    Map.of("run", r.runDir().toString(), "steps", r.steps()))
                    .outcome(verdict).emergence(r.runDir().resolve("metrics.jsonl")).write();
            Files.writeString(r.runDir().resolve("super_weights.txt"), verdict.verdict() + "\n");
        }
        if (config.analysis().report()) {
            report = RunReport.write(r.runDir());
        }
    }

    /** The super-weight verdict, when {@code analysis.super_weights} is on. */
    Optional<SuperWeightDetector.Outcome> verdict() {
        return Optional.ofNullable(verdict);
    }

    /** {@code report.html}, when {@code analysis.report} is on. */
    Optional<Path> report() {
        return Optional.ofNullable(report);
    }

    /** {@code super_weights/super_weights.html}, when {@code analysis.super_weights} is on. */
    Optional<Path> superWeightReport() {
        return Optional.ofNullable(superWeightReport);
    }
}
