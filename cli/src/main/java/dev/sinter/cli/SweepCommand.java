package dev.sinter.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sinter sweep SWEEP.yaml [key.path=value …]}: {@link Sinter#sweep(Path, String...)}; prints each variant's
 * run directory (and whether it was trained now or had finished before) and the sweep report.
 */
@Command(name = "sweep", description = {"Run every variant of a sweep file (a base run config plus named override maps)"
        + " as a run in <output_dir>/<sweep>/<variant>, skipping finished ones, then write the sweep report.",
        "key.path=value pairs override every variant."})
final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SWEEP", description = "YAML sweep file, e.g. configs/finetune/sweep.yaml")
    Path sweep;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides of every variant")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Sinter.SweepResult r = Sinter.sweep(sweep, overrides.toArray(String[]::new));
        r.runs().forEach((variant, dir) -> System.out.println(variant + ": " + dir
                + (r.trained().contains(variant) ? "" : " (already finished, skipped)")));
        System.out.println("sweep report: " + r.report());
        return 0;
    }
}
