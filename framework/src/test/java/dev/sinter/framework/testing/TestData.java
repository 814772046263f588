package dev.sinter.framework.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the small test fixtures committed under the repository's {@code testdata/} folder (stories260K and its
 * tokenizer, the GPT-2 tokenizer files, the TinyStories sample, slices of the eval sets; each folder's
 * {@code SOURCE.md} names origin and licence). They are part of every clone, so a missing fixture is an error.
 *
 * <p>The folder is the system property {@code sinter.testdata} (the root pom sets it for surefire) when that names a
 * directory; otherwise the nearest {@code testdata/} beside a {@code pom.xml}, walking up from the working directory.
 */
public final class TestData {
    /** System property naming the {@code testdata/} folder. */
    public static final String PROPERTY = "sinter.testdata";
    private static final String FOLDER = "testdata";

    private TestData() {
    }

    /** The {@code testdata/} folder. */
    public static Path root() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path start = Path.of("").toAbsolutePath();
        Path found = find(start);
        if (found == null) {
            throw new IllegalStateException("cannot find the " + FOLDER + "/ fixtures folder: -D" + PROPERTY + "="
                    + configured + " is not a directory and no " + FOLDER + "/ beside a pom.xml lies above " + start);
        }
        return found;
    }

    /** The nearest {@code testdata/} beside a {@code pom.xml} in {@code start} or its ancestors, or null. */
    public static Path find(Path start) {
        for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve(FOLDER)) && Files.isRegularFile(d.resolve("pom.xml"))) {
                return d.resolve(FOLDER);
            }
        }
        return null;
    }

    /** {@code root()/relative}, e.g. {@code fixture("models/stories260K/stories260K.bin")}; it must exist. */
    public static Path fixture(String relative) {
        Path p = root().resolve(relative).normalize();
        if (!Files.exists(p)) {
            throw new IllegalStateException("test fixture is missing: " + p + " (fixtures are committed under "
                    + FOLDER + "/; see " + FOLDER + "/README.md)");
        }
        return p;
    }
}
