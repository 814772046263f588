package dev.sinter.framework.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed fixtures: located from any module, listed in {@code testdata/SHA256SUMS}, unchanged, small. */
class TestDataTest {
    private static final long MIB = 1 << 20;
    /** Documentation beside the fixtures, not fixtures themselves. */
    private static final List<String> NOT_FIXTURES = List.of("SOURCE.md", "README.md", "LICENSE", "SHA256SUMS");

    @Test
    void fixturesAreFoundUnderTheRepositoryTestdataFolder() {
        Path bin = TestData.fixture("models/stories260K/stories260K.bin");
        assertTrue(Files.isRegularFile(bin), bin.toString());
        assertEquals(TestData.root().resolve("models/stories260K/stories260K.bin"), bin);
        assertEquals("testdata", TestData.root().getFileName().toString());
        // the walk-up fallback finds the same folder from this module's directory
        assertEquals(TestData.root(), TestData.find(Path.of("")));
    }

    @Test
    void aMissingFixtureIsAnErrorNamingItsPath() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestData.fixture("models/none/missing.bin"));
        assertTrue(e.getMessage().startsWith("test fixture is missing: ")
                && e.getMessage().contains(TestData.root().resolve("models/none/missing.bin").toString()),
                e.getMessage());
    }

    @Test
    void findWalksUpToTheTestdataFolderBesideAPom(@TempDir Path dir) throws IOException {
        Path nested = Files.createDirectories(dir.resolve("repo/module/src/test"));
        assertNull(TestData.find(nested), "no testdata/ above yet");
        Files.createDirectories(dir.resolve("repo/testdata"));
        assertNull(TestData.find(nested), "a testdata/ without a pom.xml beside it is not the repository's");
        Files.writeString(dir.resolve("repo/pom.xml"), "<project/>");
        assertEquals(dir.resolve("repo/testdata").toAbsolutePath().normalize(), TestData.find(nested));
    }

    /** Every fixture is listed in SHA256SUMS with its hash, and nothing else is over 1 MiB but stories260K.bin. */
    @Test
    void everyFixtureMatchesSha256SumsAndOnlyTheAllowedOneExceedsOneMiB() throws Exception {
        Path root = TestData.root();
        Map<String, String> listed = new TreeMap<>();
        for (String line : Files.readAllLines(root.resolve("SHA256SUMS"))) {
            listed.put(line.substring(66), line.substring(0, 64)); // "<64 hex>  <path>"
        }
        Map<String, String> present = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (NOT_FIXTURES.contains(f.getFileName().toString())) {
                    continue;
                }
                String rel = root.relativize(f).toString().replace('\\', '/');
                present.put(rel, sha256(f));
                assertTrue(Files.size(f) <= MIB || rel.equals("models/stories260K/stories260K.bin"),
                        rel + " is " + Files.size(f) + " bytes; fixtures over 1 MiB need ../shared/data/README.md's leave");
            }
        }
        assertEquals(listed, present, "testdata/SHA256SUMS against the files under " + root);
        // full copies keep the hashes of ../shared/data/SHA256SUMS
        assertEquals("b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696",
                present.get("models/stories260K/stories260K.bin"));
        assertEquals("037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312",
                present.get("models/stories260K/tok512.bin"));
        assertEquals("defaedb58bf28079f3e29c6142cb7f3568d331a577e0911c5d7925c465c50c43",
                present.get("corpora/tinystories_sample.txt"));
    }

    private static String sha256(Path f) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
