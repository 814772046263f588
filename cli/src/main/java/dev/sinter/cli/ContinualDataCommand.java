package dev.sinter.cli;

import dev.sinter.eval.continual.SourceIdentificationBenchmark;
import dev.sinter.eval.tasks.Tasks;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sinter continual-data --out DIR}: writes the class-incremental source-identification benchmark
 * ({@link SourceIdentificationBenchmark}) that continual configs name with {@code continual.benchmark}
 * ({@link Sinter#continualData}).
 */
@Command(name = "continual-data", description = "Build the class-incremental source-identification benchmark "
        + "(task-NN/{train,validation,test}.jsonl + benchmark.json) from real data files.")
final class ContinualDataCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR", description = "shared data folder of the default sources "
            + "(default: ../shared/data)")
    Path data;

    @Option(names = "--sources", paramLabel = "FILE", description = "YAML list of the classes instead of the twelve "
            + "defaults: sources: [{label, file (relative to FILE), kind}]; kinds: corpus, question, passage, "
            + "context_question, query, context, winogrande, hellaswag")
    Path sources;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder the benchmark is written to")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "shuffling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--classes-per-task", defaultValue = "2", paramLabel = "N",
            description = "new classes per task (default: ${DEFAULT-VALUE})")
    int classesPerTask;

    @Option(names = "--train", paramLabel = "N", description = "training texts per class (default: 100)")
    Integer train;

    @Option(names = "--validation", paramLabel = "N", description = "validation texts per class (default: 20)")
    Integer validation;

    @Option(names = "--test", paramLabel = "N", description = "test texts per class (default: 60)")
    Integer test;

    @Override
    public Integer call() throws Exception {
        SourceIdentificationBenchmark.Split d = SourceIdentificationBenchmark.DEFAULT_SPLIT;
        SourceIdentificationBenchmark.Split split;
        try {
            split = new SourceIdentificationBenchmark.Split(train != null ? train : d.train(),
                    validation != null ? validation : d.validation(), test != null ? test : d.test());
        } catch (IllegalArgumentException e) {
            throw new dev.sinter.framework.config.UsageException(e.getMessage() + "; fix --train/--validation/--test");
        }
        SourceIdentificationBenchmark.Result r = Sinter.continualData(data != null ? data : Tasks.defaultDataDir(),
                sources, out, seed, classesPerTask, split);
        List<List<String>> tasks = r.tasks();
        for (int t = 0; t < tasks.size(); t++) {
            System.out.println(SourceIdentificationBenchmark.taskDirectory(t) + ": " + String.join(", ", tasks.get(t)));
        }
        System.out.printf("wrote %d tasks of %d classes (%d/%d/%d texts per class, seed %d) to %s%n", tasks.size(),
                classesPerTask, split.train(), split.validation(), split.test(), seed, r.directory());
        return 0;
    }
}
