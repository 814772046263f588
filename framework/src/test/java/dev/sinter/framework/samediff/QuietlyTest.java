package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link SameDiffRuntime#quietly} silences only its own thread, lets quiet sections of several threads overlap (the
 * replicas of a data-parallel run), and leaves {@code System.out} printing to where it printed before.
 */
class QuietlyTest {
    @Test
    void quietSectionsOfTwoThreadsOverlapAndSilenceOnlyThemselves() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch bothInside = new CountDownLatch(2);
            CountDownLatch printed = new CountDownLatch(1);
            Future<?>[] quiet = new Future<?>[2];
            for (int i = 0; i < 2; i++) {
                int id = i;
                quiet[i] = pool.submit(() -> SameDiffRuntime.quietly(() -> {
                    System.out.println("hidden " + id);
                    bothInside.countDown();
                    try {
                        // both threads are inside their quiet sections at once: no lock between them
                        assertTrue(bothInside.await(10, TimeUnit.SECONDS), "the other quiet section never started");
                        assertTrue(printed.await(10, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return null;
                }));
            }
            assertTrue(bothInside.await(10, TimeUnit.SECONDS));
            System.out.println("visible × 2"); // this thread is not quiet, and keeps the target's UTF-8
            printed.countDown();
            for (Future<?> f : quiet) {
                f.get(10, TimeUnit.SECONDS);
            }
            System.out.printf("after %d%n", 1);
        } finally {
            pool.shutdownNow();
            System.setOut(saved);
        }
        assertEquals("visible × 2\nafter 1\n", captured.toString(StandardCharsets.UTF_8));
    }
}
