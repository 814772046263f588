package dev.sinter.cli;

import dev.sinter.encoders.continual.ContinualConfig;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sinter validate CONFIG…}: checks run configs, sweep files (every variant) and continual configs without running them. */
@Command(name = "validate", description = "Check YAML run configs, sweep files (every variant) and continual configs without running them.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "CONFIG") List<Path> configs;

    @Override
    public Integer call() throws IOException {
        int failures = 0;
        for (Path c : configs) {
            try {
                if (ContinualConfig.isContinualFile(c)) {
                    ContinualConfig.load(c, List.of());
                    System.out.println("ok " + c + " (continual)");
                } else if (Sweeps.isSweepFile(c)) {
                    System.out.println("ok " + c + " (" + Sweeps.resolve(c, List.of()).size() + " variants)");
                } else {
                    RunConfig.load(c, List.of());
                    System.out.println("ok " + c);
                }
            } catch (ConfigException e) {
                System.err.println("error: " + e.getMessage());
                failures++;
            }
        }
        return failures == 0 ? 0 : SinterCommand.USAGE_ERROR;
    }
}
