package dev.sinter.distributed.prepare;

import dev.sinter.distributed.prepare.SourceListing.SourceRef;
import dev.sinter.framework.config.PrepareConfig;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.shards.DocumentReader;
import dev.sinter.framework.data.shards.DocumentReader.SourceFile;
import dev.sinter.framework.data.shards.ShardWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The work of one Spark task: reads one source file, cuts it into documents as {@link DocumentReader} does (Parquet:
 * one document per row of the named string column, in row order) and encodes each with {@link ShardWriter#encode}.
 * Serializable settings travel to the workers; each worker JVM loads a tokenizer once.
 *
 * @param tokenizerType the {@code data.tokenizer.type}
 * @param tokenizerPath the {@code data.tokenizer.path} (null for the byte tokenizer); workers must read it there
 * @param format        the {@code data.prepare} settings, field by field
 */
record FileTokenizer(String tokenizerType, String tokenizerPath, String format, String jsonlField, int shardTokens,
                     String parquetColumn) implements Serializable {
    /** Tokenizers loaded in this JVM, by type and path. */
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    /**
     * One file's result: its index record and its tokens (the documents' encodings, concatenated), or the one-line
     * {@link UsageException} message of bad input ({@code error}; Spark would retry a thrown one in vain).
     */
    record FileTokens(int index, String name, long bytes, String sha256, int[] tokens, String error)
            implements Serializable {
        SourceFile source() {
            return new SourceFile(name, bytes, sha256);
        }
    }

    static FileTokenizer of(TokenizerConfig tokenizer, PrepareConfig settings) {
        return new FileTokenizer(tokenizer.type(), tokenizer.path(), settings.format(), settings.jsonlField(),
                settings.shardTokens(), settings.parquetColumn());
    }

    PrepareConfig settings() {
        return new PrepareConfig(format, jsonlField, shardTokens, parquetColumn);
    }

    /** Tokenizes {@code file}; every token of every document, in order, or the error of bad input. */
    FileTokens tokenize(SourceRef file, Configuration hadoop) throws IOException {
        try {
            return tokenizeOrThrow(file, hadoop);
        } catch (UsageException e) {
            return new FileTokens(file.index(), file.name(), 0, null, null, e.getMessage());
        }
    }

    private FileTokens tokenizeOrThrow(SourceRef file, Configuration hadoop) throws IOException {
        Tokenizer tokenizer = tokenizer();
        TokenBuffer tokens = new TokenBuffer();
        Consumer<String> documents = doc -> tokens.add(ShardWriter.encode(tokenizer, doc));
        Path path = new Path(file.uri());
        FileSystem fs = path.getFileSystem(hadoop);
        SourceFile read;
        if (format.equals(PrepareConfig.PARQUET)) {
            readParquet(path, hadoop, documents);
            read = hashed(fs, path, file.name());
        } else {
            try (InputStream in = fs.open(path)) {
                read = DocumentReader.read(in, file.uri(), file.name(), settings(), documents);
            }
        }
        return new FileTokens(file.index(), read.name(), read.bytes(), read.sha256(), tokens.toArray(), null);
    }

    private Tokenizer tokenizer() {
        return LOADED.computeIfAbsent(tokenizerType + "\0" + tokenizerPath, k -> {
            try {
                return new TokenizerConfig(tokenizerType, tokenizerPath).load();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load tokenizer " + tokenizerPath + " on this worker", e);
            }
        });
    }

    /** Passes the string column {@link #parquetColumn} of every row, in row order, to {@code documents}. */
    private void readParquet(Path path, Configuration hadoop, Consumer<String> documents) throws IOException {
        MessageType schema;
        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(path, hadoop))) {
            schema = footer.getFileMetaData().getSchema();
        }
        if (!schema.containsField(parquetColumn)) {
            throw new UsageException(path + ": no column '" + parquetColumn + "' (columns: "
                    + schema.getFields().stream().map(Type::getName).toList()
                    + "); set data.prepare.parquet_column to the column holding the text");
        }
        Type column = schema.getType(parquetColumn);
        if (!column.isPrimitive() || column.isRepetition(Type.Repetition.REPEATED)
                || column.asPrimitiveType().getPrimitiveTypeName() != PrimitiveType.PrimitiveTypeName.BINARY
                || !(column.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation)) {
            throw new UsageException(path + ": column '" + parquetColumn + "' is " + column
                    + ", not a string; set data.prepare.parquet_column to a string column");
        }
        Configuration projected = new Configuration(hadoop);
        projected.set(ReadSupport.PARQUET_READ_SCHEMA, new MessageType(schema.getName(), column).toString());
        long row = 0;
        try (ParquetReader<Group> rows = ParquetReader.builder(new GroupReadSupport(), path).withConf(projected)
                .build()) {
            for (Group g = rows.read(); g != null; g = rows.read()) {
                if (g.getFieldRepetitionCount(0) == 0) {
                    throw new UsageException(path + ": row " + row + " has no value in column '" + parquetColumn
                            + "'; drop or fill the empty rows");
                }
                documents.accept(g.getString(0, 0));
                row++;
            }
        }
    }

    /** The file's size and SHA-256, as {@link DocumentReader} records them. */
    private static SourceFile hashed(FileSystem fs, Path path, String name) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(fs.open(path), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return new SourceFile(name, fs.getFileStatus(path).getLen(), HexFormat.of().formatHex(sha.digest()));
    }

    /** A growable int array. */
    private static final class TokenBuffer {
        private int[] data = new int[1 << 12];
        private int size;

        void add(int[] tokens) {
            if (size + tokens.length > data.length) {
                long grown = Math.max((long) data.length * 2, (long) size + tokens.length);
                if (grown > Integer.MAX_VALUE - 8) {
                    throw new UsageException("a source file holds more than 2^31 tokens; split it into smaller files");
                }
                data = java.util.Arrays.copyOf(data, (int) grown);
            }
            System.arraycopy(tokens, 0, data, size, tokens.length);
            size += tokens.length;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
