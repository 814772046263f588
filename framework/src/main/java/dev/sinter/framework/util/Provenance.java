package dev.sinter.framework.util;

import dev.sinter.framework.backend.ComputeBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Writes {@code provenance.json}: config and data hashes, seed, git commit, Java/OS/ND4J versions, time. */
public final class Provenance {
    private Provenance() {
    }

    /** SHA-256 of text (UTF-8), hex. */
    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of bytes, hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects the provenance facts; {@code extra} entries (e.g. data hashes) are added as given. */
    public static Map<String, Object> collect(String resolvedConfig, long seed, Map<String, Object> extra) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("created", Instant.now().toString());
        p.put("config_sha256", sha256(resolvedConfig));
        p.put("seed", seed);
        p.putAll(extra);
        p.put("git_commit", gitCommit());
        p.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        p.put("nd4j", nd4jVersion());
        p.put("cpus", Runtime.getRuntime().availableProcessors());
        p.putAll(ComputeBackend.describe());
        return p;
    }

    public static void write(Path file, Map<String, Object> provenance) throws IOException {
        Files.writeString(file, Json.pretty().writeValueAsString(provenance));
    }

    static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    static String nd4jVersion() {
        try (InputStream in = Provenance.class.getResourceAsStream("/META-INF/maven/org.nd4j/nd4j-api/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
