package dev.sinter.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sinter report RUN…}: a run's report, or with {@code --sweep DIR} a comparison of several runs. */
@Command(name = "report", description = "Write the HTML/JSON report of a run, or compare runs with --sweep DIR.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN", description = "run directories")
    List<Path> runs;

    @Option(names = "--sweep", paramLabel = "DIR", description = "compare the runs into DIR/sweep.html")
    Path sweep;

    @Override
    public Integer call() throws Exception {
        if (sweep != null) {
            System.out.println("report: " + Sinter.compare(runs, sweep));
        } else {
            for (Path r : runs) {
                System.out.println("report: " + Sinter.report(r));
            }
        }
        return 0;
    }
}
