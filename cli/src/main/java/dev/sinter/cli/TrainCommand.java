package dev.sinter.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sinter train CONFIG [key.path=value …]}: {@link Sinter#train(Path, String...)}, then prints the run's
 * figures, samples, super-weight verdict and report paths. What runs besides training (emergence tracking, the
 * end-of-run super-weight detector, the run report) is the config's {@code analysis:} section.
 */
@Command(name = "train", description = "Train a model from a YAML run config; key.path=value pairs override it.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML run file, e.g. configs/quickstart.yaml")
    Path config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides, e.g. training.steps=50")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        print(Sinter.train(config, overrides.toArray(String[]::new)));
        return 0;
    }

    /** The lines {@code sinter train} prints for a finished run. */
    private static void print(Sinter.RunResult r) {
        System.out.printf("%nrun %s: %d steps, validation loss %.4f, %d parameters, %.1f s%n", r.runDir(), r.steps(),
                r.validationLoss(), r.run().parameters(), r.run().wallSeconds());
        System.out.println("samples:");
        r.samples().forEach(s -> System.out.println("  " + s.replace("\n", "\n  ")));
        r.superWeights().ifPresent(v -> System.out.println("super weights: " + v.verdict()));
        r.report().ifPresent(p -> System.out.println("report: " + p));
        r.superWeightReport().ifPresent(p -> System.out.println("super-weight report: " + p));
    }
}
