package dev.sinter.framework.config;

/**
 * An invalid run configuration. The message is a single line, {@code <file>:<line>: <key.path>: <problem>; <fix>}
 * (or {@code <file> (override key=value): …} for command-line overrides), fit to print as is.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message.replaceAll("\\s*\\R\\s*", " "));
    }
}
