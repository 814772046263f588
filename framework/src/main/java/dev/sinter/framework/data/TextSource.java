package dev.sinter.framework.data;

import dev.sinter.framework.config.UsageException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a UTF-8 training or validation text from a file path or from a {@code classpath:NAME} resource. */
public final class TextSource {
    /** Location prefix selecting a resource of the context class loader. */
    public static final String CLASSPATH_PREFIX = "classpath:";

    private TextSource() {
    }

    /**
     * Reads the whole text at {@code location} (malformed UTF-8 becomes U+FFFD).
     *
     * @param location a filesystem path, or {@code classpath:NAME} for a resource on the context class loader
     * @throws IOException              if the file or resource does not exist or cannot be read
     * @throws IllegalArgumentException if the text is empty or whitespace only
     */
    public static String read(String location) throws IOException {
        byte[] bytes = location.startsWith(CLASSPATH_PREFIX)
                ? readResource(location.substring(CLASSPATH_PREFIX.length()))
                : readFile(Path.of(location));
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw new UsageException("corpus " + location + " is empty");
        }
        return text;
    }

    private static byte[] readFile(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toAbsolutePath().toString(), null, "corpus file not found");
        }
        return Files.readAllBytes(path);
    }

    private static byte[] readResource(String name) throws IOException {
        String resource = name.startsWith("/") ? name.substring(1) : name;
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = TextSource.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                String hint = resource.equals("raw_sentences.txt")
                        ? "; it ships in the Maven artifact org.deeplearning4j:dl4j-test-resources:0.4.0, "
                                + "which is probably missing from the classpath"
                        : "";
                throw new FileNotFoundException("classpath resource " + resource + " not found" + hint);
            }
            return in.readAllBytes();
        }
    }
}
