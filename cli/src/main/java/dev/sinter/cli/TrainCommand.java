package dev.sinter.cli;

import dev.sinter.eval.report.RunReport;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.RunConfig;
import dev.sinter.trainers.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sinter train CONFIG [key.path=value …]}. */
@Command(name = "train", description = "Train a model from a YAML run config; key.path=value pairs override it.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML run file, e.g. configs/quickstart.yaml")
    Path config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides, e.g. training.steps=50")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = ConfigLoader.load(config, overrides);
        TrainingRun.Result r = new TrainingRun(cfg).execute();
        Path report = RunReport.write(r.runDir());
        System.out.printf("%nrun %s: %d steps, validation loss %.4f, %d parameters, %.1f s%n", r.runDir(), r.steps(),
                r.validationLoss(), r.parameters(), r.wallSeconds());
        System.out.println("samples:");
        r.samples().forEach(s -> System.out.println("  " + s.replace("\n", "\n  ")));
        System.out.println("report: " + report);
        return 0;
    }
}
