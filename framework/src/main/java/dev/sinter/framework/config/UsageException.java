package dev.sinter.framework.config;

/**
 * A mistake in what the user asked for, found while acting on it rather than while loading the config: an unknown
 * task or encoder name, an option value out of range, a {@code --perplexity} file that does not exist, a run
 * directory that already holds checkpoints with {@code checkpoint.resume: none}, a tokenizer larger than the model's
 * vocabulary, a teacher whose vocabulary differs from the student's. (A model or data file that cannot be read is a
 * runtime failure.) The message is one line that names the problem and the fix. The CLI exits
 * with the usage code (2) for it, as for a {@link ConfigException}; every other exception is a runtime failure.
 *
 * <p>It extends {@link IllegalArgumentException} so that Java callers who validate arguments keep catching it; the
 * CLI tells the two apart by this type, never by message text.
 */
public final class UsageException extends IllegalArgumentException {
    public UsageException(String message) {
        super(message);
    }
}
