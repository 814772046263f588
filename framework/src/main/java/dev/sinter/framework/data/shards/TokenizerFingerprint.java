package dev.sinter.framework.data.shards;

import dev.sinter.framework.config.TokenizerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * SHA-256 identifying a tokenizer: of its type and, for a file, the file's bytes (not its name); for a directory (a Hugging Face
 * tokenizer), the names and bytes of its regular files in name order. The byte tokenizer has no file, so its type
 * alone identifies it.
 */
public final class TokenizerFingerprint {
    private TokenizerFingerprint() {
    }

    /** The fingerprint of the tokenizer {@code config} names. */
    public static String of(TokenizerConfig config) throws IOException {
        MessageDigest sha = DocumentReader.sha256();
        sha.update((config.type() + "\0").getBytes(StandardCharsets.UTF_8));
        if (config.path() != null) {
            Path path = Path.of(config.path());
            boolean directory = Files.isDirectory(path);
            List<Path> files;
            if (directory) {
                try (Stream<Path> s = Files.list(path)) {
                    files = s.filter(Files::isRegularFile).sorted().toList();
                }
            } else {
                files = List.of(path);
            }
            for (Path f : files) {
                if (directory) {
                    sha.update((f.getFileName() + "\0").getBytes(StandardCharsets.UTF_8));
                }
                sha.update(Files.readAllBytes(f));
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
