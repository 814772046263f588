package dev.sinter.distributed;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;

/**
 * Test hook for lost workers: with the system property {@value #PROPERTY} set to {@code STEP:WORKER} in the JVM that
 * runs the task (the driver's, in local mode), the first attempt of that worker's task at that step fails halfway, as
 * a lost executor would; Spark then runs the task again.
 */
final class TaskFaults {
    static final String PROPERTY = "sinter.fault.worker_task";
    private static final AtomicInteger INJECTED = new AtomicInteger();

    private TaskFaults() {
    }

    /** Failures injected so far in this JVM. */
    static int injected() {
        return INJECTED.get();
    }

    /** Throws when this is the first attempt of the task the property names. */
    static void maybeFail(long step, int worker) {
        String spec = System.getProperty(PROPERTY);
        TaskContext task = TaskContext.get();
        if (spec != null && spec.equals(step + ":" + worker) && task != null && task.attemptNumber() == 0) {
            INJECTED.incrementAndGet();
            throw new IllegalStateException("injected failure of worker " + worker + " at step " + step
                    + " (" + PROPERTY + ")");
        }
    }
}
