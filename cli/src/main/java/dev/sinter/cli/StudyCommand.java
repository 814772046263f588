package dev.sinter.cli;

import dev.sinter.cli.study.StudyReport;
import dev.sinter.cli.study.StudyRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sinter study STUDY.yaml [key.path=value …]}: {@link Sinter#study(Path, String...)}; prints the stages run and
 * skipped, each claim's verdict, and the report.
 */
@Command(name = "study", description = {"Run a study file: its stages (runs, sweeps, evaluations, analyses) for every"
        + " seed, skipping complete ones, then write study.json/study.html with each claim's verdict.",
        "study.key.path=value overrides a key of the study file (e.g. study.seeds=[1]); key.path=value overrides"
                + " every run."})
final class StudyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STUDY", description = "YAML study file, e.g. configs/studies/moe-ablation.yaml")
    Path study;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides (study.* of the study file)")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        StudyRunner.Result r = Sinter.study(study, overrides.toArray(String[]::new));
        r.ran().forEach(s -> System.out.println(s + ": ran"));
        r.skipped().forEach(s -> System.out.println(s + ": already complete, skipped"));
        for (var c : r.report().claims().entrySet()) {
            StudyReport.ClaimOutcome o = c.getValue();
            System.out.printf("%s: %s (%s: %s vs %s)%n", c.getKey(), o.verdict().label(), o.claim().holds(),
                    o.left().summary(), o.right().summary());
        }
        System.out.println("study report: " + r.html());
        return 0;
    }
}
