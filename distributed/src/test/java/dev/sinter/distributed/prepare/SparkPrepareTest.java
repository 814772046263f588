package dev.sinter.distributed.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.distributed.SparkSessions;
import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.framework.config.PrepareConfig;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.shards.ShardIndex;
import dev.sinter.framework.data.shards.ShardWriter;
import dev.sinter.framework.data.shards.TokenizerFingerprint;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark prepare on local[2] writes byte for byte the shards of the single-process prepare. */
class SparkPrepareTest {
    private static final TokenizerConfig BYTES = new TokenizerConfig("byte", null);
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void session() {
        spark = SparkSessions.open(DistributedConfig.of("spark", "local[2]", 2, null, null, Map.of()), "prepare-test");
    }

    /** Random English-like paragraphs with blank-line breaks, some CRLF, some non-ASCII. */
    private static String text(Random r, int paragraphs) {
        String[] words = {"the", "cat", "sat", "on", "a", "mat", "naïve", "café", "über", "data", "spark", "shard"};
        StringBuilder b = new StringBuilder();
        for (int p = 0; p < paragraphs; p++) {
            int lines = 1 + r.nextInt(3);
            for (int l = 0; l < lines; l++) {
                for (int w = 0; w < 3 + r.nextInt(8); w++) {
                    b.append(words[r.nextInt(words.length)]).append(' ');
                }
                b.append(r.nextInt(5) == 0 ? "\r\n" : "\n");
            }
            b.append(r.nextBoolean() ? "\n" : "  \n\n");
        }
        return b.toString();
    }

    private ShardIndex single(Path source, PrepareConfig settings, Path out) throws IOException {
        return new ShardWriter(BYTES.load(), TokenizerFingerprint.of(BYTES), settings).prepare(source, 0.1, out);
    }

    private static void assertSameShards(Path expected, Path actual) throws IOException {
        ShardIndex a = Json.read(expected.resolve(ShardIndex.FILE), ShardIndex.class);
        ShardIndex b = Json.read(actual.resolve(ShardIndex.FILE), ShardIndex.class);
        assertEquals(a.shards(), b.shards());
        assertEquals(a.totalTokens(), b.totalTokens());
        assertEquals(a.validationTokens(), b.validationTokens());
        assertEquals(a.tokenizerSha256(), b.tokenizerSha256());
        assertEquals(a.dtype(), b.dtype());
        for (ShardIndex.Shard s : a.shards()) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(s.name())), Files.readAllBytes(actual.resolve(s.name())),
                    s.name());
        }
    }

    @Test
    void textDirectoryGivesTheSingleProcessShardsAndIndex() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("corpus"));
        Random r = new Random(7);
        for (String name : List.of("b.txt", "a.txt", "sub/c.txt", "sub/a.txt", "d.txt", ".hidden.txt")) {
            Files.createDirectories(src.resolve(name).getParent());
            Files.writeString(src.resolve(name), text(r, 20 + r.nextInt(30)));
        }
        PrepareConfig settings = new PrepareConfig("text", "text", 97);
        ShardIndex expected = single(src, settings, tmp.resolve("single"));
        ShardIndex actual = SparkPrepare.prepare(spark, BYTES, settings, src.toString(), 0.1, tmp.resolve("spark"));

        assertEquals(expected, actual, "the whole index: shards, sources (names, sizes, SHA-256), tokenizer hash");
        assertEquals(Files.readString(tmp.resolve("single/index.json")), Files.readString(tmp.resolve("spark/index.json")));
        assertSameShards(tmp.resolve("single"), tmp.resolve("spark"));
        assertEquals(List.of("a.txt", "b.txt", "d.txt", "sub/a.txt", "sub/c.txt"),
                actual.sources().stream().map(s -> s.name()).toList());
        assertTrue(actual.shards().size() > 10, "many shards, cut across file boundaries");
    }

    @Test
    void jsonlGivesTheSingleProcessShardsAndAURIWorksAsSource() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("jsonl"));
        for (int f = 0; f < 3; f++) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                b.append(Json.mapper().writeValueAsString(Map.of("id", i, "body", "doc " + f + "/" + i + " ü\n"
                        + "second line"))).append('\n');
            }
            Files.writeString(src.resolve("part-" + f + ".jsonl"), b);
        }
        PrepareConfig settings = new PrepareConfig("jsonl", "body", 256);
        ShardIndex expected = single(src, settings, tmp.resolve("single"));
        ShardIndex actual = SparkPrepare.prepare(spark, BYTES, settings, src.toUri().toString(), 0.1,
                tmp.resolve("spark"));
        assertEquals(expected.sources(), actual.sources());
        assertSameShards(tmp.resolve("single"), tmp.resolve("spark"));
    }

    @Test
    void parquetColumnGivesTheTokensOfAJsonlFileWithTheSameDocuments() throws IOException {
        List<String> docs = List.of("first document\nwith two lines", "  second ", "third: ß∂ƒ", "", "fifth");
        Path jsonl = tmp.resolve("docs.jsonl");
        StringBuilder b = new StringBuilder();
        for (String d : docs) {
            b.append(Json.mapper().writeValueAsString(Map.of("text", d))).append('\n');
        }
        Files.writeString(jsonl, b);
        Path parquet = Files.createDirectories(tmp.resolve("pq")).resolve("docs.parquet");
        writeParquet(parquet, docs);

        ShardIndex expected = single(jsonl, new PrepareConfig("jsonl", "text", 16), tmp.resolve("single"));
        ShardIndex actual = SparkPrepare.prepare(spark, BYTES, new PrepareConfig("parquet", "text", 16, "body"),
                parquet.getParent().toString(), 0.1, tmp.resolve("spark"));
        assertSameShards(tmp.resolve("single"), tmp.resolve("spark"));
        assertEquals("docs.parquet", actual.sources().get(0).name());
        assertEquals(Files.size(parquet), actual.sources().get(0).bytes());
        assertNotEquals(expected.sources().get(0).sha256(), actual.sources().get(0).sha256());
    }

    @Test
    void aMissingParquetColumnOrJsonlFieldFailsInOneLineWithoutShards() throws IOException {
        Path parquet = Files.createDirectories(tmp.resolve("pq")).resolve("docs.parquet");
        writeParquet(parquet, List.of("a", "b"));
        UsageException e = assertThrows(UsageException.class, () -> SparkPrepare.prepare(spark, BYTES,
                new PrepareConfig("parquet", "text", 16, "text"), parquet.toString(), 0.1, tmp.resolve("out")));
        assertTrue(e.getMessage().endsWith("docs.parquet: no column 'text' (columns: [id, body]); set "
                + "data.prepare.parquet_column to the column holding the text"), e.getMessage());

        Path jsonl = tmp.resolve("bad.jsonl");
        Files.writeString(jsonl, "{\"text\": \"ok\"}\n{\"other\": 1}\n");
        e = assertThrows(UsageException.class, () -> SparkPrepare.prepare(spark, BYTES,
                new PrepareConfig("jsonl", "text", 16), jsonl.toString(), 0.1, tmp.resolve("out")));
        assertTrue(e.getMessage().endsWith("bad.jsonl:2: no string field 'text'; set data.prepare.jsonl_field to the "
                + "field holding the text"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    private static void writeParquet(Path file, List<String> docs) throws IOException {
        MessageType schema = Types.buildMessage()
                .required(PrimitiveTypeName.INT32).named("id")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("body")
                .named("doc");
        SimpleGroupFactory rows = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
                .withType(schema).withConf(new Configuration()).build()) {
            for (int i = 0; i < docs.size(); i++) {
                w.write(rows.newGroup().append("id", i).append("body", docs.get(i)));
            }
        }
    }
}
