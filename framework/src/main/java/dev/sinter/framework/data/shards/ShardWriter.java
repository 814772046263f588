package dev.sinter.framework.data.shards;

import dev.sinter.framework.config.PrepareConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.shards.DocumentReader.SourceFile;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Tokenizes source files into a shard directory: {@code shard-00000.bin, …} of {@code shard_tokens} little-endian
 * tokens each (uint16 for vocabularies ≤ 65,536, else uint32) and an {@link ShardIndex index.json}. Files are read in
 * sorted order and cut into documents by {@link DocumentReader}; each document is encoded with BOS at its start, so the
 * stream equals the concatenation of {@code tokenizer.encode(document, true, false)} over all documents. The last
 * {@code ceil(val_fraction * total)} tokens are the validation split (as {@link dev.sinter.framework.data.TokenCorpus}
 * splits). The directory is written under a temporary name and renamed when complete, so a crash leaves no partial
 * shard directory. Per-file reading ({@link DocumentReader#read}) depends only on the file and the settings, so it can
 * run as one task per file elsewhere and feed {@link #write} (the Spark engine does).
 */
public final class ShardWriter {
    private static final Logger LOG = LogManager.getLogger(ShardWriter.class);
    private static final String RULE = "text: documents are maximal runs of non-blank lines, each line ending in \\n, "
            + "cut after the line reaching " + DocumentReader.MAX_DOCUMENT_CHARS + " chars; jsonl: one document per "
            + "non-blank line (its named string field); parquet: one document per row (its named string column); "
            + "every document encoded with BOS";

    private final Tokenizer tokenizer;
    private final String tokenizerSha256;
    private final PrepareConfig settings;

    /**
     * @param tokenizerSha256 the tokenizer's {@link TokenizerFingerprint}, recorded in the index
     */
    public ShardWriter(Tokenizer tokenizer, String tokenizerSha256, PrepareConfig settings) {
        this.tokenizer = tokenizer;
        this.tokenizerSha256 = tokenizerSha256;
        this.settings = settings;
    }

    /** The regular files of {@code source} (itself if it is a file), hidden files skipped, in path order. */
    public static List<Path> sourceFiles(Path source) throws IOException {
        if (Files.isRegularFile(source)) {
            return List.of(source);
        }
        if (!Files.isDirectory(source)) {
            throw new UsageException("prepare source " + source + " not found; set data.train to a file or directory");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(source)) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> !source.relativize(p).toString().startsWith(".")
                            && !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(p -> source.relativize(p).toString()))
                    .toList();
        }
        if (files.isEmpty()) {
            throw new UsageException("prepare source directory " + source + " holds no files");
        }
        return files;
    }

    /**
     * Writes the shards of {@code source} (a file or a directory) to {@code outDir}, which must not exist yet.
     *
     * @param valFraction share of the tokens held out for validation, in [0, 1)
     */
    public ShardIndex prepare(Path source, double valFraction, Path outDir) throws IOException {
        checkAbsent(outDir);
        List<Path> files = sourceFiles(source);
        return write(source.toString(), valFraction, outDir, sink -> {
            List<SourceFile> sources = new ArrayList<>();
            for (Path file : files) {
                String name = Files.isDirectory(source) ? source.relativize(file).toString()
                        : file.getFileName().toString();
                sources.add(DocumentReader.read(file, name, settings, doc -> sink.accept(encode(tokenizer, doc))));
            }
            return sources;
        });
    }

    /** A document's tokens as the shards hold them: BOS, then the document's encoding. */
    public static int[] encode(Tokenizer tokenizer, String document) {
        return tokenizer.encode(document, true, false);
    }

    /** Fails with a usage error when {@code outDir} exists: shards are never overwritten. */
    public static void checkAbsent(Path outDir) {
        if (Files.exists(outDir)) {
            throw new UsageException("shard directory " + outDir + " already exists; delete it or set data.shards "
                    + "to a new directory");
        }
    }

    /** Produces a token stream, in order, into a sink. */
    @FunctionalInterface
    public interface TokenStream {
        /** Passes every token of the stream to {@code sink} in order; returns the source files read, in order. */
        List<SourceFile> writeTo(Consumer<int[]> sink) throws IOException;
    }

    /**
     * Writes the token stream {@code tokens} produces as shards and index to {@code outDir} (which must not exist
     * yet), under a temporary name renamed when complete. {@link #prepare} streams files read here; the Spark engine
     * streams the tokens its workers produced, file by file in the same order.
     *
     * @param source      the source as named in messages
     * @param valFraction share of the tokens held out for validation, in [0, 1)
     */
    public ShardIndex write(String source, double valFraction, Path outDir, TokenStream tokens) throws IOException {
        checkAbsent(outDir);
        Path parent = outDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + outDir.getFileName() + ".tmp-");
        try {
            String dtype = ShardIndex.dtypeFor(tokenizer.vocabSize());
            ShardOutput out = new ShardOutput(tmp, dtype, settings.shardTokens(), tokenizer.vocabSize());
            List<SourceFile> sources = tokens.writeTo(out::write);
            List<ShardIndex.Shard> shards = out.finish();
            long total = out.total;
            if (total == 0) {
                throw new UsageException("prepare source " + source + " holds no text");
            }
            long validation = BigDecimal.valueOf(valFraction).multiply(BigDecimal.valueOf(total))
                    .setScale(0, RoundingMode.CEILING).longValueExact();
            ShardIndex index = new ShardIndex(ShardIndex.FORMAT_VERSION, dtype, tokenizer.vocabSize(),
                    tokenizer.describe(), tokenizerSha256, settings.shardTokens(), total, validation, RULE, shards,
                    sources);
            Json.writePretty(tmp.resolve(ShardIndex.FILE), index);
            Files.move(tmp, outDir, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("prepared {} tokens ({} validation) from {} files into {} shards at {}", total, validation,
                    sources.size(), shards.size(), outDir);
            return index;
        } catch (UncheckedIOException e) {
            deleteTree(tmp);
            throw e.getCause();
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Appends tokens to fixed-size shard files through a small buffer. */
    private static final class ShardOutput {
        private final Path dir;
        private final int bytesPerToken;
        private final int shardTokens;
        private final int vocabSize;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private final List<ShardIndex.Shard> shards = new ArrayList<>();
        private FileChannel channel;
        private String current;
        private long inShard;
        private long total;

        ShardOutput(Path dir, String dtype, int shardTokens, int vocabSize) {
            this.dir = dir;
            this.bytesPerToken = ShardIndex.bytesPerToken(dtype);
            this.shardTokens = shardTokens;
            this.vocabSize = vocabSize;
        }

        void write(int[] tokens) {
            try {
                for (int t : tokens) {
                    if (t < 0 || t >= vocabSize) {
                        throw new IllegalStateException("tokenizer produced id " + t + " outside its vocabulary of "
                                + vocabSize);
                    }
                    if (channel == null) {
                        current = String.format("shard-%05d.bin", shards.size());
                        channel = FileChannel.open(dir.resolve(current), StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE);
                    }
                    if (buffer.remaining() < bytesPerToken) {
                        drain();
                    }
                    if (bytesPerToken == 2) {
                        buffer.putShort((short) t);
                    } else {
                        buffer.putInt(t);
                    }
                    inShard++;
                    total++;
                    if (inShard == shardTokens) {
                        closeShard();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void drain() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        private void closeShard() throws IOException {
            drain();
            channel.force(true);
            channel.close();
            channel = null;
            shards.add(new ShardIndex.Shard(current, inShard));
            inShard = 0;
        }

        List<ShardIndex.Shard> finish() throws IOException {
            if (channel != null) {
                closeShard();
            }
            return shards;
        }
    }
}
