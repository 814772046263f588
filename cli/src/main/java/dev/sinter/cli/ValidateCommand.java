package dev.sinter.cli;

import dev.sinter.cli.study.StudyPlan;
import dev.sinter.encoders.continual.ContinualConfig;
import dev.sinter.encoders.continual.lm.LmContinualConfig;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sinter validate CONFIG…}: checks run configs, sweep files (every variant), study files (every stage of every
 * seed, every reference and claim) and continual configs without running them.
 */
@Command(name = "validate", description = "Check YAML run configs, sweep files (every variant), study files and continual configs without running them.")
final class ValidateCommand implements Callable<Integer> {
    /** A top-level {@code stages:} key, which a study file has and run configs and sweep files have not. */
    private static final Pattern STAGES_KEY = Pattern.compile("(?m)^stages\\s*:");

    @Parameters(arity = "1..*", paramLabel = "CONFIG") List<Path> configs;

    @Override
    public Integer call() throws IOException {
        int failures = 0;
        for (Path c : configs) {
            try {
                if (isStudyFile(c)) {
                    StudyPlan plan = StudyPlan.resolve(c, List.of());
                    System.out.println("ok " + c + " (" + plan.study().stages().size() + " stages, "
                            + plan.study().seeds().size() + " seeds, " + plan.study().claims().size() + " claims)");
                } else if (LmContinualConfig.isLmFile(c)) {
                    LmContinualConfig.load(c, List.of());
                    System.out.println("ok " + c + " (decoder continual)");
                } else if (ContinualConfig.isContinualFile(c)) {
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

    /** Whether {@code file} is a study file (it has a top-level {@code stages:} key). */
    static boolean isStudyFile(Path file) throws IOException {
        return Files.isRegularFile(file) && STAGES_KEY.matcher(Files.readString(file)).find();
    }
}
