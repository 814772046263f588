package dev.sinter.cli;

import dev.sinter.framework.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sinter} command. Exit codes: 0 ok, 2 usage or configuration error (one line, no stack trace),
 * 1 runtime failure.
 */
@Command(name = "sinter", mixinStandardHelpOptions = true, version = "sinter 0.1.0",
        description = "Train, fine-tune, evaluate and analyse transformer language models on the JVM.",
        subcommands = {TrainCommand.class, GenerateCommand.class, EvalCommand.class, ValidateCommand.class, ListCommand.class, MergeCommand.class, ReportCommand.class, AnalyzeCommand.class, QuantizeCommand.class})
public final class Sinter {
    public static final int USAGE_ERROR = 2;
    public static final int RUNTIME_ERROR = 1;

    private Sinter() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Sinter());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ConfigException || ex instanceof IllegalArgumentException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return USAGE_ERROR;
            }
            cmd.getErr().println("error: " + ex.getMessage());
            if (System.getenv("SINTER_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return RUNTIME_ERROR;
        });
        return cli.execute(args);
    }
}
