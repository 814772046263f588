package dev.sinter.framework.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** A missing shared file skips the test (naming the path), or fails it when required; a present one is returned. */
class SharedDataTest {
    @Test
    void aMissingSharedFileAbortsTheTestWithItsPath(@TempDir Path dir) {
        Path missing = dir.resolve("no-shared");
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> SharedData.require(missing, "data/corpora/tinyshakespeare.txt", false));
        String expected = missing.resolve("data/corpora/tinyshakespeare.txt").toAbsolutePath().toString();
        assertTrue(e.getMessage().contains("shared data is missing: " + expected)
                && e.getMessage().contains("-Dsinter.shared=PATH"), e.getMessage());
    }

    @Test
    void aMissingSharedFileFailsWhenRequired(@TempDir Path dir) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SharedData.require(dir, "data/eval/boolq.jsonl", true));
        assertTrue(e.getMessage().contains(dir.resolve("data/eval/boolq.jsonl").toString())
                && e.getMessage().contains("sinter.shared.required=true"), e.getMessage());
    }

    @Test
    void aPresentSharedFileIsReturned(@TempDir Path dir) throws IOException {
        Path f = Files.createDirectories(dir.resolve("data/corpora")).resolve("t.txt");
        Files.writeString(f, "x");
        assertEquals(f.toAbsolutePath(), SharedData.require(dir, "data/corpora/t.txt", false));
        assertEquals(f.toAbsolutePath(), SharedData.require(dir, "data/corpora/t.txt", true));
    }
}
