package dev.sinter.framework.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates files of the read-only {@code ../shared} folder for tests; a missing file fails with its path. */
public final class SharedData {
    private SharedData() {
    }

    /** The shared folder: system property {@code sinter.shared}, else {@code ../shared}. */
    public static Path root() {
        return Path.of(System.getProperty("sinter.shared", "../shared")).toAbsolutePath().normalize();
    }

    /** {@code root()/relative}, which must exist. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("required shared file is missing: " + p
                    + " (tests expect the shared data folder beside the checkout, or -Dsinter.shared=PATH)");
        }
        return p;
    }
}
