package dev.sinter.framework.data.shards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.config.PrepareConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.util.Json;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Streams the documents of one source file, line by line, so memory holds one document at a time.
 * <ul>
 *   <li>{@code text}: a document is a maximal run of non-blank lines; each line keeps a trailing {@code "\n"} (also
 *   after {@code "\r\n"}), blank (whitespace-only) lines only separate documents. A document that reaches
 *   {@link #MAX_DOCUMENT_CHARS} characters is cut after the line that reached it and the rest starts a new one.</li>
 *   <li>{@code jsonl}: every non-blank line is a JSON object and its string field {@code jsonl_field} is one document,
 *   verbatim.</li>
 *   <li>{@code parquet}: one document per row; read by the Spark engine ({@code sinter-distributed}), not here.</li>
 * </ul>
 * Each document is later encoded with BOS at its start. Malformed UTF-8 becomes U+FFFD, as in
 * {@link dev.sinter.framework.data.TextSource}.
 */
public final class DocumentReader {
    /** Plain-text documents are cut after the line that brings them to this many characters. */
    public static final int MAX_DOCUMENT_CHARS = 1 << 20;

    private DocumentReader() {
    }

    /** A source file as the index records it. */
    public record SourceFile(String name, long bytes, String sha256) {
    }

    /**
     * Passes each document of {@code file} to {@code documents} in order and returns the file's size and SHA-256.
     *
     * @param name the name recorded in the index (e.g. relative to the source directory)
     * @throws UsageException for a jsonl line that is not an object with a string {@code jsonl_field}, or a Parquet
     *                        source (only the Spark engine reads Parquet)
     */
    public static SourceFile read(Path file, String name, PrepareConfig settings, Consumer<String> documents)
            throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), name, settings, documents);
        }
    }

    /**
     * As {@link #read(Path, String, PrepareConfig, Consumer)} for a text or jsonl file opened elsewhere (e.g. through
     * Hadoop's file systems on a Spark worker); reads {@code in} to its end but does not close it.
     *
     * @param where the file's location, for error messages
     */
    public static SourceFile read(InputStream in, String where, String name, PrepareConfig settings,
                                  Consumer<String> documents) throws IOException {
        if (settings.format().equals(PrepareConfig.PARQUET)) {
            throw new UsageException("data.prepare.format parquet is read only by the Spark engine; add "
                    + "distributed: {engine: spark, master: local[2]} to the config (or convert " + where
                    + " to jsonl)");
        }
        MessageDigest sha = sha256();
        CountingInputStream counted = new CountingInputStream(new DigestInputStream(in, sha));
        BufferedReader lines = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8), 1 << 16);
        if (settings.format().equals(PrepareConfig.JSONL)) {
            readJsonl(lines, where, settings.jsonlField(), documents);
        } else {
            readText(lines, documents);
        }
        counted.transferTo(OutputStream.nullOutputStream()); // digest any bytes the reader did not consume
        return new SourceFile(name, counted.count, HexFormat.of().formatHex(sha.digest()));
    }

    /** Counts the bytes read through it; closing it does not close the wrapped stream. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        /** Skips by reading, so skipped bytes are digested and counted too. */
        @Override
        public long skip(long n) throws IOException {
            byte[] scratch = new byte[(int) Math.min(n, 8192)];
            long skipped = 0;
            while (skipped < n) {
                int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public void close() {
        }
    }

    private static void readText(BufferedReader lines, Consumer<String> documents) throws IOException {
        StringBuilder doc = new StringBuilder();
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.isBlank()) {
                flush(doc, documents);
                continue;
            }
            doc.append(line).append('\n');
            if (doc.length() >= MAX_DOCUMENT_CHARS) {
                flush(doc, documents);
            }
        }
        flush(doc, documents);
    }

    private static void flush(StringBuilder doc, Consumer<String> documents) {
        if (!doc.isEmpty()) {
            documents.accept(doc.toString());
            doc.setLength(0);
        }
    }

    private static void readJsonl(BufferedReader lines, String file, String field, Consumer<String> documents)
            throws IOException {
        int lineNo = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = Json.read(line);
            } catch (JsonProcessingException e) {
                throw new UsageException(file + ":" + lineNo + ": not a JSON object ("
                        + e.getOriginalMessage() + "); jsonl needs one object per line");
            }
            JsonNode text = node == null ? null : node.get(field);
            if (text == null || !text.isTextual()) {
                throw new UsageException(file + ":" + lineNo + ": no string field '" + field
                        + "'; set data.prepare.jsonl_field to the field holding the text");
            }
            documents.accept(text.asText());
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
