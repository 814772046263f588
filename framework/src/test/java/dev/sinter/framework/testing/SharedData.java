package dev.sinter.framework.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates files of the read-only shared data folder ({@code ../shared} beside the checkout) for the tests that need
 * the full data sets. A user's clone has no such folder: a missing file then aborts the calling test through a JUnit
 * assumption, so it is reported as skipped with the missing path, never failed. With
 * {@code -Dsinter.shared.required=true} (set by {@code .ci/run}) a missing file fails the test instead, so CI cannot
 * skip these tests silently. Small files that core tests need are fixtures instead: see {@link TestData}.
 */
public final class SharedData {
    /** System property naming the shared folder (the root pom sets it to {@code <checkout>/../shared}). */
    public static final String PROPERTY = "sinter.shared";
    /** System property that turns a missing shared file into a test failure. */
    public static final String REQUIRED_PROPERTY = "sinter.shared.required";

    private SharedData() {
    }

    /** The shared folder: system property {@code sinter.shared}, else {@code ../shared}. */
    public static Path root() {
        return Path.of(System.getProperty(PROPERTY, "../shared")).toAbsolutePath().normalize();
    }

    /** Whether a missing shared file fails the test ({@code -Dsinter.shared.required=true}) rather than skipping it. */
    public static boolean required() {
        return Boolean.parseBoolean(System.getProperty(REQUIRED_PROPERTY, "false"));
    }

    /**
     * {@code root()/relative} if it exists; otherwise the calling test is skipped (or fails, when
     * {@link #required()}) with a message naming the missing path.
     */
    public static Path require(String relative) {
        return require(root(), relative, required());
    }

    /**
     * {@code root/relative} if it exists.
     *
     * @throws org.opentest4j.TestAbortedException if it is missing and not {@code required}
     * @throws IllegalStateException               if it is missing and {@code required}
     */
    public static Path require(Path root, String relative, boolean required) {
        Path p = root.resolve(relative).toAbsolutePath().normalize();
        if (Files.exists(p)) {
            return p;
        }
        String why = "shared data is missing: " + p + " (put the shared data folder beside the checkout, or run"
                + " with -Dsinter.shared=PATH)";
        if (required) {
            throw new IllegalStateException(why + "; -D" + REQUIRED_PROPERTY + "=true makes this a failure");
        }
        return Assumptions.abort(why);
    }
}
