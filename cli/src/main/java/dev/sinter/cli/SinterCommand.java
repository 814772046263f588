package dev.sinter.cli;

import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.config.UsageException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sinter} command. Exit codes: 0 ok; 2 usage or configuration error (picocli's parameter errors, a
 * {@link ConfigException} or a {@link UsageException}), reported on one line; 1 any other failure at run time,
 * reported on one line, with the stack trace when the environment sets {@code SINTER_DEBUG}.
 */
@Command(name = "sinter", mixinStandardHelpOptions = true, version = "sinter 0.1.0",
        description = "Train, fine-tune, evaluate and analyse transformer language models on the JVM.",
        subcommands = {TrainCommand.class, SweepCommand.class, StudyCommand.class, PrepareCommand.class, GenerateCommand.class, EvalCommand.class, ValidateCommand.class, ListCommand.class, MergeCommand.class, ExportCommand.class, ReportCommand.class, AnalyzeCommand.class, QuantizeCommand.class, ContinualDataCommand.class, ContinualCommand.class})
public final class SinterCommand {
    public static final int USAGE_ERROR = 2;
    public static final int RUNTIME_ERROR = 1;
    /** Environment variable that adds the stack trace to a runtime failure's one-line report. */
    static final String DEBUG_ENV = "SINTER_DEBUG";

    private SinterCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this). */
    public static int run(String... args) {
        return run(commandLine(), System::getenv, args);
    }

    /** The command tree, before the exit-code policy is installed. */
    static CommandLine commandLine() {
        return new CommandLine(new SinterCommand());
    }

    /**
     * Runs {@code cli} with the exit-code policy of {@link SinterCommand}; {@code env} reads environment variables (tests
     * pass their own).
     */
    static int run(CommandLine cli, UnaryOperator<String> env, String... args) {
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (isUsageError(ex)) {
                err.println("error: " + oneLine(ex));
                return USAGE_ERROR;
            }
            if (env.apply(DEBUG_ENV) != null) {
                err.println("error: " + oneLine(ex));
                ex.printStackTrace(err);
            } else {
                err.println("error: " + oneLine(ex) + " (set " + DEBUG_ENV + "=1 for the stack trace)");
            }
            return RUNTIME_ERROR;
        });
        return cli.execute(args);
    }

    /** Config and usage mistakes; everything else, {@link IllegalArgumentException} included, is a runtime failure. */
    static boolean isUsageError(Exception ex) {
        return ex instanceof ConfigException || ex instanceof UsageException
                || ex instanceof CommandLine.ParameterException;
    }

    /**
     * The first line of the message, or the exception's type when it has none; a missing file (whose exception
     * message is the bare path) reads {@code file not found: PATH}.
     */
    static String oneLine(Exception ex) {
        if (ex instanceof NoSuchFileException missing) {
            return "file not found: " + missing.getFile();
        }
        String m = ex.getMessage();
        if (m == null || m.isBlank()) {
            return ex.getClass().getName();
        }
        return m.strip().lines().findFirst().orElse(m);
    }
}
