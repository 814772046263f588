package dev.sinter.framework.data.shards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.PrepareConfig;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.framework.data.TokenSequence;
import dev.sinter.framework.data.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardWriterTest {
    @TempDir
    Path tmp;

    private final Tokenizer bytes = new ByteTokenizer();

    /** In-memory tokenization under the documented rule, written independently of DocumentReader. */
    private int[] inMemory(List<String> documents) {
        List<Integer> out = new ArrayList<>();
        for (String d : documents) {
            for (int t : bytes.encode(d, true, false)) {
                out.add(t);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<String> textDocuments(String text) {
        List<String> docs = new ArrayList<>();
        for (String block : text.replace("\r\n", "\n").split("\n[ \t]*\n")) {
            StringBuilder b = new StringBuilder();
            block.lines().filter(l -> !l.isBlank()).forEach(l -> b.append(l).append('\n'));
            if (!b.isEmpty()) {
                docs.add(b.toString());
            }
        }
        return docs;
    }

    private static int[] all(TokenSequence s) {
        int[] out = new int[(int) s.length()];
        s.read(0, out);
        return out;
    }

    private ShardedTokens prepare(Path source, PrepareConfig settings, double valFraction, Tokenizer tok)
            throws IOException {
        Path out = tmp.resolve("shards");
        new ShardWriter(tok, "fp", settings).prepare(source, valFraction, out);
        return ShardedTokens.open(out);
    }

    @Test
    void textShardsEqualInMemoryTokenizationOfSortedFiles() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        String a = "first doc line one\nline two\n\n\nsecond doc ünïcode\r\n  \nthird";
        String b = "\nfourth document\nwith two lines\n\nfifth\n";
        Files.writeString(src.resolve("b.txt"), b);
        Files.writeString(src.resolve("a.txt"), a);
        ShardedTokens shards = prepare(src, new PrepareConfig("text", "text", 7), 0.2, bytes);

        List<String> docs = new ArrayList<>(textDocuments(a));
        docs.addAll(textDocuments(b));
        assertEquals(5, docs.size());
        int[] expected = inMemory(docs);
        ShardIndex index = shards.index();
        assertEquals(expected.length, index.totalTokens());
        assertEquals((int) Math.ceil(0.2 * expected.length), index.validationTokens());
        assertEquals((expected.length + 6) / 7, index.shards().size());
        assertEquals("uint16", index.dtype());
        assertEquals(List.of("a.txt", "b.txt"), index.sources().stream().map(DocumentReader.SourceFile::name).toList());
        assertEquals(dev.sinter.framework.util.Provenance.sha256(a.getBytes(StandardCharsets.UTF_8)),
                index.sources().get(0).sha256());
        int[] train = all(shards.train());
        int[] validation = all(shards.validation());
        int[] joined = IntStream.concat(IntStream.of(train), IntStream.of(validation)).toArray();
        assertArrayEquals(expected, joined);
        assertFalse(Files.list(tmp).anyMatch(p -> p.getFileName().toString().contains(".tmp-")));
    }

    @Test
    void jsonlShardsEqualInMemoryTokenizationOfTheNamedField() throws IOException {
        Path file = tmp.resolve("docs.jsonl");
        Files.writeString(file, "{\"id\": 1, \"body\": \"hello\\nworld\"}\n\n{\"body\": \"  second \"}\n");
        ShardedTokens shards = prepare(file, new PrepareConfig("jsonl", "body", 1000), 0.1, bytes);
        int[] joined = IntStream.concat(IntStream.of(all(shards.train())), IntStream.of(all(shards.validation())))
                .toArray();
        assertArrayEquals(inMemory(List.of("hello\nworld", "  second ")), joined);
    }

    @Test
    void jsonlLineWithoutTheFieldNamesFileAndLine() throws IOException {
        Path file = tmp.resolve("docs.jsonl");
        Files.writeString(file, "{\"text\": \"ok\"}\n{\"other\": 3}\n");
        UsageException e = assertThrows(UsageException.class,
                () -> prepare(file, new PrepareConfig("jsonl", "text", 1000), 0.1, bytes));
        assertTrue(e.getMessage().contains("docs.jsonl:2: no string field 'text'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("shards")));
    }

    @Test
    void parquetWithoutTheSparkEngineIsRefusedInOneLine() throws IOException {
        Path file = tmp.resolve("docs.parquet");
        Files.writeString(file, "PAR1");
        UsageException e = assertThrows(UsageException.class,
                () -> prepare(file, new PrepareConfig("parquet", "text", 1000, "body"), 0.1, bytes));
        assertTrue(e.getMessage().startsWith("data.prepare.format parquet is read only by the Spark engine"),
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("shards")));
    }

    @Test
    void readingAStreamRecordsItsSizeAndHashAsReadingTheFile() throws IOException {
        Path file = tmp.resolve("a.txt");
        Files.writeString(file, "one\ntwo\n\nthree\n");
        List<String> fromFile = new ArrayList<>();
        List<String> fromStream = new ArrayList<>();
        DocumentReader.SourceFile a = DocumentReader.read(file, "a.txt", PrepareConfig.DEFAULT, fromFile::add);
        DocumentReader.SourceFile b;
        try (var in = new java.io.ByteArrayInputStream(Files.readAllBytes(file))) {
            b = DocumentReader.read(in, "mem", "a.txt", PrepareConfig.DEFAULT, fromStream::add);
        }
        assertEquals(List.of("one\ntwo\n", "three\n"), fromFile);
        assertEquals(fromFile, fromStream);
        assertEquals(a, b);
        assertEquals(Files.size(file), b.bytes());
    }

    /** A tokenizer whose ids lie above 65,536, so its shards need 32 bits. */
    private static final class WideTokenizer implements Tokenizer {
        public int vocabSize() {
            return 70_000;
        }

        public int bos() {
            return 69_999;
        }

        public int eos() {
            return 69_998;
        }

        public int[] encode(String text, boolean addBos, boolean addEos) {
            IntStream ids = text.chars().map(c -> 65_536 + c);
            return (addBos ? IntStream.concat(IntStream.of(bos()), ids) : ids).toArray();
        }

        public String decode(int[] ids) {
            throw new UnsupportedOperationException();
        }

        public String describe() {
            return "wide";
        }
    }

    @Test
    void vocabularyAbove65536UsesUint32() throws IOException {
        Path file = Files.writeString(tmp.resolve("t.txt"), "abc\n\nde\n");
        ShardedTokens shards = prepare(file, new PrepareConfig("text", "text", 4), 0.25, new WideTokenizer());
        assertEquals("uint32", shards.index().dtype());
        assertEquals(16, Files.size(tmp.resolve("shards/shard-00000.bin")));
        int[] joined = IntStream.concat(IntStream.of(all(shards.train())), IntStream.of(all(shards.validation())))
                .toArray();
        assertArrayEquals(new int[] {69_999, 65_633, 65_634, 65_635, 65_546, 69_999, 65_636, 65_637, 65_546}, joined);
    }

    @Test
    void samplerOverShardsDrawsTheInMemoryBatchesAndResumesAtItsCursor() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            text.append("line ").append(i).append(i % 7 == 0 ? "\n\n" : "\n");
        }
        Path file = Files.writeString(tmp.resolve("t.txt"), text);
        ShardedTokens shards = prepare(file, new PrepareConfig("text", "text", 97), 0.1, bytes);
        int[] train = all(shards.train());
        BatchSampler memory = new BatchSampler(train, 16, 42);
        BatchSampler mapped = new BatchSampler(shards.train(), 16, 42);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(memory.next(8), mapped.next(8));
        }
        long cursor = mapped.cursor();
        int[][] next = mapped.next(8);
        BatchSampler restarted = new BatchSampler(ShardedTokens.open(tmp.resolve("shards")).train(), 16, 42);
        restarted.seek(cursor);
        assertArrayEquals(next, restarted.next(8));
        assertArrayEquals(BatchSampler.sequentialWindows(all(shards.validation()), 16, 3),
                BatchSampler.sequentialWindows(shards.validation(), 16, 3));
    }

    @Test
    void existingOutputDirectoryIsRefused() throws IOException {
        Path file = Files.writeString(tmp.resolve("t.txt"), "abc\n");
        Files.createDirectories(tmp.resolve("shards"));
        UsageException e = assertThrows(UsageException.class,
                () -> new ShardWriter(bytes, "fp", PrepareConfig.DEFAULT).prepare(file, 0.1, tmp.resolve("shards")));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void fingerprintFollowsTheTokenizerFileBytes() throws IOException {
        Path f = Files.write(tmp.resolve("tok.bin"), new byte[] {1, 2, 3});
        String first = TokenizerFingerprint.of(new TokenizerConfig("llama2c", f.toString()));
        Files.write(f, new byte[] {1, 2, 4});
        assertFalse(first.equals(TokenizerFingerprint.of(new TokenizerConfig("llama2c", f.toString()))));
        assertFalse(first.equals(TokenizerFingerprint.of(new TokenizerConfig("byte", null))));
    }
}
