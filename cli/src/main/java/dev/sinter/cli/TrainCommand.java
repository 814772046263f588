package dev.sinter.cli;

import dev.sinter.eval.report.RunReport;
import dev.sinter.eval.superweights.EmergenceListener;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.superweights.SuperWeightReport;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.Tokenizers;
import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.trainers.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sinter train CONFIG [key.path=value …]}. Besides training, it tracks super activations: every
 * {@code training.log_every} steps the per-layer maxima on a probe prompt go into {@code metrics.jsonl}
 * ({@link EmergenceListener}), and at the end the super-weight detector runs on the trained model; its verdict is
 * printed and written with the emergence curves to {@code <run>/super_weights/}. When the detector does not apply
 * (every layer is MoE, or the probe prompts exceed the context) the verdict says {@code not applicable: <reason>} and
 * the run still ends normally.
 */
@Command(name = "train", description = "Train a model from a YAML run config; key.path=value pairs override it.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML run file, e.g. configs/quickstart.yaml")
    Path config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides, e.g. training.steps=50")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunConfig.load(config, overrides);
        if (cfg.task() != null) {
            return trainTask(cfg);
        }
        String tokPath = cfg.data().tokenizer().path();
        Tokenizer tok = Tokenizers.byName(cfg.data().tokenizer().type(), tokPath == null ? null : Path.of(tokPath));
        TrainingRun run = new TrainingRun(cfg);
        int[] probe = tok.encode(SuperWeightDetector.DEFAULT_PROMPTS.get(0), true, false);
        MetricsJsonl metrics = new MetricsJsonl(run.runDirectory().resolve("metrics.jsonl"));
        run.addModelListener(m -> new EmergenceListener(m,
                Arrays.copyOf(probe, Math.min(probe.length, m.config().maxSeqLen())), cfg.training().logEvery(), metrics));
        EndOfRun end = new EndOfRun(cfg.name(), tok);
        TrainingRun.Result r = run.addFinisher(end).execute();
        System.out.printf("%nrun %s: %d steps, validation loss %.4f, %d parameters, %.1f s%n", r.runDir(), r.steps(),
                r.validationLoss(), r.parameters(), r.wallSeconds());
        System.out.println("samples:");
        r.samples().forEach(s -> System.out.println("  " + s.replace("\n", "\n  ")));
        System.out.println("super weights: " + end.verdict.verdict());
        System.out.println("report: " + end.report);
        System.out.println("super-weight report: " + end.superWeightReport);
        return 0;
    }

    /** A {@code task:} run (e.g. encoder classification): no decoder analyses; prints what the task reported. */
    private static int trainTask(RunConfig cfg) throws IOException {
        TrainingRun.Result r = new TrainingRun(cfg).execute();
        System.out.printf("%nrun %s: %d steps, validation loss %.4f, %d parameters, %.1f s%n", r.runDir(), r.steps(),
                r.validationLoss(), r.parameters(), r.wallSeconds());
        r.samples().forEach(s -> System.out.println("  " + s));
        return 0;
    }

    /** The end-of-run super-weight analysis and reports, written while the run directory is still locked. */
    private static final class EndOfRun implements TrainingRun.Finisher {
        private final String name;
        private final Tokenizer tok;
        SuperWeightDetector.Outcome verdict;
        Path report;
        Path superWeightReport;

        EndOfRun(String name, Tokenizer tok) {
            this.name = name;
            this.tok = tok;
        }

        @Override
        public void finish(TrainingRun.Result r) throws IOException {
            verdict = new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT)
                    .analyse(r.decoder(), tok, SuperWeightDetector.DEFAULT_PROMPTS);
            superWeightReport = new SuperWeightReport(r.runDir().resolve("super_weights"),
                    "Super weights at the end of " + name, Map.of("run", r.runDir().toString(), "steps", r.steps()))
                    .outcome(verdict).emergence(r.runDir().resolve("metrics.jsonl")).write();
            Files.writeString(r.runDir().resolve("super_weights.txt"), verdict.verdict() + "\n");
            report = RunReport.write(r.runDir());
        }
    }
}
