package dev.sinter.framework.testing;

import java.io.StringWriter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;

/** Captures what one class logs (as {@code LEVEL message} lines) while it is open, for assertions on warnings. */
public final class LogCapture implements AutoCloseable {
    private final StringWriter out = new StringWriter();
    private final Logger logger;
    private final WriterAppender appender;

    private LogCapture(Class<?> source) {
        logger = (Logger) LogManager.getLogger(source);
        appender = WriterAppender.newBuilder().setName("capture-" + source.getSimpleName()).setTarget(out)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %msg%n").build()).build();
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing the log of {@code source}. */
    public static LogCapture of(Class<?> source) {
        return new LogCapture(source);
    }

    /** Everything captured so far. */
    public String text() {
        return out.toString();
    }

    @Override
    public void close() {
        logger.removeAppender(appender);
        appender.stop();
    }
}
