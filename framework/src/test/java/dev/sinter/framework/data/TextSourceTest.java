package dev.sinter.framework.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextSourceTest {
    @TempDir
    Path dir;

    @Test
    void readsFiles() throws IOException {
        Path file = Files.writeString(dir.resolve("corpus.txt"), "Café\nline two\n");
        assertEquals("Café\nline two\n", TextSource.read(file.toString()));
    }

    @Test
    void readsClasspathResourcesFromTheContextClassLoader() throws Exception {
        Files.writeString(dir.resolve("story.txt"), "Once upon a time.");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            String text = withContextLoader(loader, () -> TextSource.read("classpath:story.txt"));
            assertEquals("Once upon a time.", text);
        }
    }

    @Test
    void missingFileOrResourceNamesIt() throws Exception {
        Path missing = dir.resolve("missing.txt");
        IOException file = assertThrows(IOException.class, () -> TextSource.read(missing.toString()));
        assertTrue(file.getMessage().contains(missing.toString()), file.getMessage());

        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            IOException other = assertThrows(IOException.class,
                    () -> withContextLoader(empty, () -> TextSource.read("classpath:nothing.txt")));
            assertEquals("classpath resource nothing.txt not found", other.getMessage());
            IOException raw = assertThrows(IOException.class,
                    () -> withContextLoader(empty, () -> TextSource.read("classpath:raw_sentences.txt")));
            assertTrue(raw.getMessage().contains("raw_sentences.txt")
                    && raw.getMessage().contains("org.deeplearning4j:dl4j-test-resources:0.4.0"), raw.getMessage());
        }
    }

    @Test
    void rejectsEmptyText() throws IOException {
        Path blank = Files.writeString(dir.resolve("blank.txt"), " \n\t\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextSource.read(blank.toString()));
        assertEquals("corpus " + blank + " is empty", e.getMessage());
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T withContextLoader(ClassLoader loader, IoSupplier<T> action) throws IOException {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
