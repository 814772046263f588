package dev.sinter.framework.util;

import java.io.IOException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Test-only failure seams, off unless a system property is set; the crash-safety tests use them to stop a run at an
 * exact point or to make a checkpoint write fail.
 * <ul>
 *   <li>{@value #PAUSE} = {@code POINT@STEP}: the run logs {@code fault injection: pausing at POINT@STEP} and sleeps
 *       for {@value #PAUSE_MILLIS} ms at that point of that step, so a test can kill it there. Points:
 *       {@code checkpoint} (after {@code model.safetensors} is written into the temporary directory) and
 *       {@code validation} (after the first validation micro-batch).</li>
 *   <li>{@value #FAIL_CHECKPOINT_FILE} = {@code FILE@STEP}: writing file {@code FILE} (e.g.
 *       {@code optimizer.safetensors}) of the checkpoint of step {@code STEP} fails with an {@link IOException} saying
 *       the device is full.</li>
 * </ul>
 */
public final class FaultInjection {
    /** System property naming the pause point, {@code POINT@STEP}. */
    public static final String PAUSE = "sinter.fault.pause";
    /** System property naming the checkpoint file whose write fails, {@code FILE@STEP}. */
    public static final String FAIL_CHECKPOINT_FILE = "sinter.fault.checkpoint.fail";
    /** How long a pause lasts. */
    public static final long PAUSE_MILLIS = 60_000;

    private static final Logger LOG = LogManager.getLogger(FaultInjection.class);

    private FaultInjection() {
    }

    /** Sleeps at {@code point} of {@code step} if {@value #PAUSE} asks for it. */
    public static void pause(String point, long step) {
        String at = point + "@" + step;
        if (!at.equals(System.getProperty(PAUSE))) {
            return;
        }
        LOG.warn("fault injection: pausing at {} for {} ms ({})", at, PAUSE_MILLIS, PAUSE);
        try {
            Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Throws if {@value #FAIL_CHECKPOINT_FILE} names {@code fileName} of the checkpoint of {@code step}. */
    public static void beforeCheckpointWrite(String fileName, long step) throws IOException {
        String at = fileName + "@" + step;
        if (at.equals(System.getProperty(FAIL_CHECKPOINT_FILE))) {
            throw new IOException("No space left on device (injected by -D" + FAIL_CHECKPOINT_FILE + "=" + at + ")");
        }
    }
}
