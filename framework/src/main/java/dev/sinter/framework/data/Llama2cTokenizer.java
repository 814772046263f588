package dev.sinter.framework.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The SentencePiece-style BPE tokenizer of llama2.c, read from its {@code tokenizer.bin}: an int32 little-endian
 * {@code max_token_length}, then one entry per id of {float32 score, int32 byte length, bytes}. Ids 0, 1 and 2 are
 * {@code <unk>}, BOS and EOS; ids 3..258 are the byte-fallback pieces {@code <0x00>}..{@code <0xFF>}.
 *
 * <p>{@link #encode} gives exactly the ids of llama2.c's {@code encode()} in {@code run.c}: a dummy-prefix space token
 * for non-empty text, one token per UTF-8 character (byte fallback when the character is not a piece), then repeatedly
 * the adjacent pair whose concatenation is a piece with the highest score is merged, the leftmost pair on ties. A
 * priority queue makes that O(n log n), so whole corpora can be encoded in one call. {@link #decode} removes the
 * dummy-prefix space again (at the start and after each BOS), so {@code decode(encode(s)).equals(s)} for text whose
 * characters are all pieces or representable by byte fallback.
 */
public final class Llama2cTokenizer implements Tokenizer {
    /** Unknown-piece id. */
    public static final int UNK = 0;
    /** Beginning-of-sequence id. */
    public static final int BOS = 1;
    /** End-of-sequence id. */
    public static final int EOS = 2;
    /** Id of the byte-fallback piece {@code <0x00>}; byte b has id {@code BYTE_OFFSET + b}. */
    public static final int BYTE_OFFSET = 3;
    /** Smallest valid vocabulary: {@code <unk>}, BOS, EOS and the 256 byte pieces. */
    public static final int MIN_VOCAB_SIZE = BYTE_OFFSET + 256;

    private static final int MAX_TOKEN_LENGTH_LIMIT = 1 << 16;
    private static final long MAX_FILE_BYTES = 256L << 20;
    /** llama2.c only merges pairs whose score beats its initial best score of -1e10. */
    private static final float MIN_MERGE_SCORE = -1e10f;

    private final String source;
    private final byte[][] pieces;
    private final byte[][] decodedBytes;
    private final float[] scores;
    private final Map<String, Integer> idsByPiece;
    private final Map<Long, Integer> mergedIds;
    private final int spaceId;

    private Llama2cTokenizer(String source, byte[][] pieces, float[] scores) {
        this.source = source;
        this.pieces = pieces;
        this.scores = scores;
        this.idsByPiece = new HashMap<>();
        Map<String, List<Integer>> idsWithPiece = new HashMap<>();
        for (int id = 0; id < pieces.length; id++) {
            idsByPiece.putIfAbsent(key(pieces[id]), id);
            idsWithPiece.computeIfAbsent(key(pieces[id]), k -> new ArrayList<>()).add(id);
        }
        this.mergedIds = buildMerges(idsWithPiece);
        this.decodedBytes = new byte[pieces.length][];
        for (int id = 0; id < pieces.length; id++) {
            decodedBytes[id] = byteFallbackValue(pieces[id]);
        }
        this.spaceId = idsByPiece.getOrDefault(" ", BYTE_OFFSET + ' ');
    }

    /**
     * Loads a tokenizer.bin holding exactly {@code vocabSize} entries.
     *
     * @throws IOException if the file is missing, truncated, has trailing bytes or an implausible length field; the
     *                     message names the file, the entry and what was expected
     */
    public static Llama2cTokenizer load(Path tokBin, int vocabSize) throws IOException {
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("llama2.c vocab size must be >= " + MIN_VOCAB_SIZE + ", got "
                    + vocabSize);
        }
        return parse(tokBin, vocabSize);
    }

    /**
     * Loads a tokenizer.bin whose vocabulary size is the number of entries in the file (at least
     * {@value #MIN_VOCAB_SIZE}); the file must end exactly after its last entry.
     *
     * @throws IOException if the file is missing or malformed; the message names the file and the entry
     */
    public static Llama2cTokenizer load(Path tokBin) throws IOException {
        return parse(tokBin, -1);
    }

    /** Parses the file; {@code expected < 0} reads entries until the end of the file. */
    private static Llama2cTokenizer parse(Path file, int expected) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toAbsolutePath().toString(), null, "llama2.c tokenizer file not found");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + ": " + size + " bytes is too large for a llama2.c tokenizer (limit "
                    + MAX_FILE_BYTES + ")");
        }
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 4) {
            throw new IOException(file + ": truncated header: expected 4 bytes (int32 max_token_length), file has "
                    + in.remaining());
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength < 1 || maxTokenLength > MAX_TOKEN_LENGTH_LIMIT) {
            throw new IOException(file + ": max_token_length is " + maxTokenLength + ", expected 1.."
                    + MAX_TOKEN_LENGTH_LIMIT);
        }
        List<byte[]> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        for (int i = 0; expected < 0 ? in.hasRemaining() : i < expected; i++) {
            if (in.remaining() < 8) {
                throw new IOException(String.format("%s: entry %d is truncated at offset %d: expected 8 bytes "
                        + "(float32 score, int32 length), %d remain", file, i, in.position(), in.remaining()));
            }
            float score = in.getFloat();
            int length = in.getInt();
            if (Float.isNaN(score)) {
                throw new IOException(String.format("%s: entry %d has a NaN score", file, i));
            }
            if (length < 1 || length > maxTokenLength) {
                throw new IOException(String.format("%s: entry %d has length %d, expected 1..%d (max_token_length)",
                        file, i, length, maxTokenLength));
            }
            if (length > in.remaining()) {
                throw new IOException(String.format("%s: entry %d is truncated: expected %d bytes of text, %d remain",
                        file, i, length, in.remaining()));
            }
            byte[] piece = new byte[length];
            in.get(piece);
            pieces.add(piece);
            scores.add(score);
        }
        if (in.hasRemaining()) {
            throw new IOException(String.format("%s: %d trailing bytes after the %d expected entries", file,
                    in.remaining(), expected));
        }
        if (pieces.size() < MIN_VOCAB_SIZE) {
            throw new IOException(String.format("%s: has %d entries, expected at least %d (<unk>, BOS, EOS, 256 bytes)",
                    file, pieces.size(), MIN_VOCAB_SIZE));
        }
        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) {
            scoreArray[i] = scores.get(i);
        }
        return new Llama2cTokenizer(file.getFileName().toString(), pieces.toArray(new byte[0][]), scoreArray);
    }

    /** For every pair of ids whose concatenated pieces form a piece: the id llama2.c's lookup returns for it. */
    private Map<Long, Integer> buildMerges(Map<String, List<Integer>> idsWithPiece) {
        Map<Long, Integer> merges = new HashMap<>();
        for (Map.Entry<String, Integer> entry : idsByPiece.entrySet()) {
            String whole = entry.getKey();
            for (int split = 1; split < whole.length(); split++) {
                List<Integer> lefts = idsWithPiece.get(whole.substring(0, split));
                List<Integer> rights = idsWithPiece.get(whole.substring(split));
                if (lefts != null && rights != null) {
                    for (int left : lefts) {
                        for (int right : rights) {
                            merges.put(pairKey(left, right), entry.getValue());
                        }
                    }
                }
            }
        }
        return merges;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bos() {
        return BOS;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        Objects.requireNonNull(text, "text");
        int[] tokens = initialTokens(text.getBytes(StandardCharsets.UTF_8));
        int[] merged = merge(tokens);
        int start = addBos ? 1 : 0;
        int[] ids = new int[merged.length + start + (addEos ? 1 : 0)];
        if (addBos) {
            ids[0] = BOS;
        }
        System.arraycopy(merged, 0, ids, start, merged.length);
        if (addEos) {
            ids[ids.length - 1] = EOS;
        }
        return ids;
    }

    /** The dummy-prefix space, then one token per UTF-8 character (at most 4 bytes), byte fallback otherwise. */
    private int[] initialTokens(byte[] bytes) {
        if (bytes.length == 0) {
            return new int[0];
        }
        int[] tokens = new int[bytes.length + 1];
        int n = 0;
        tokens[n++] = spaceId;
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (!isContinuation(bytes[i])) {
                start = i;
            }
            int length = i - start + 1;
            if (i + 1 < bytes.length && isContinuation(bytes[i + 1]) && length < 4) {
                continue;
            }
            Integer id = idsByPiece.get(new String(bytes, start, length, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens[n++] = id;
            } else {
                for (int j = start; j <= i; j++) {
                    tokens[n++] = BYTE_OFFSET + (bytes[j] & 0xFF);
                }
            }
            start = i + 1;
        }
        return Arrays.copyOf(tokens, n);
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    /** A mergeable adjacent pair: {@code left} is the position of its first token, {@code merged} the result id. */
    private record Candidate(float score, int left, int right, int leftId, int rightId, int merged) {
    }

    /**
     * Applies llama2.c's merge rule (best score, leftmost on ties) with a priority queue over a linked list of
     * positions. A merge keeps the left position, so position order is sequence order; a merge only ever lengthens a
     * position's piece, so a candidate is still valid iff both positions hold the ids it was created with.
     */
    private int[] merge(int[] tokens) {
        int n = tokens.length;
        int[] ids = tokens.clone();
        int[] next = new int[n];
        int[] prev = new int[n];
        PriorityQueue<Candidate> queue = new PriorityQueue<>(Math.max(1, n), (a, b) -> {
            if (a.score() != b.score()) {
                return a.score() > b.score() ? -1 : 1;
            }
            return Integer.compare(a.left(), b.left());
        });
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            if (i + 1 < n) {
                offer(queue, ids, i, i + 1);
            }
        }
        int remaining = n;
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            if (ids[c.left()] != c.leftId() || ids[c.right()] != c.rightId()) {
                continue;
            }
            ids[c.left()] = c.merged();
            ids[c.right()] = -1;
            next[c.left()] = next[c.right()];
            if (next[c.right()] >= 0) {
                prev[next[c.right()]] = c.left();
            }
            remaining--;
            if (prev[c.left()] >= 0) {
                offer(queue, ids, prev[c.left()], c.left());
            }
            if (next[c.left()] >= 0) {
                offer(queue, ids, c.left(), next[c.left()]);
            }
        }
        int[] out = new int[remaining];
        for (int i = 0, k = 0; i >= 0 && k < remaining; i = next[i]) {
            out[k++] = ids[i];
        }
        return out;
    }

    private void offer(PriorityQueue<Candidate> queue, int[] ids, int left, int right) {
        Integer merged = mergedIds.get(pairKey(ids[left], ids[right]));
        if (merged != null && scores[merged] > MIN_MERGE_SCORE) {
            queue.add(new Candidate(scores[merged], left, right, ids[left], ids[right], merged));
        }
    }

    /**
     * Concatenates the pieces, skipping BOS and EOS; byte-fallback pieces {@code <0xHH>} become the raw byte, and the
     * leading space of the first piece at the start and after each BOS (the dummy prefix) is dropped. The bytes are
     * decoded as UTF-8, malformed sequences becoming U+FFFD.
     */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean atStart = true;
        for (int id : ids) {
            checkId(id);
            if (id == BOS) {
                atStart = true;
                continue;
            }
            if (id == EOS) {
                continue;
            }
            byte[] raw = decodedBytes[id];
            if (raw != null) {
                out.write(raw, 0, raw.length);
            } else {
                byte[] piece = pieces[id];
                int skip = atStart && piece[0] == ' ' ? 1 : 0;
                out.write(piece, skip, piece.length - skip);
            }
            atStart = false;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The piece of {@code id} as text (UTF-8, byte-fallback pieces as {@code <0xHH>}), for debugging. */
    public String piece(int id) {
        checkId(id);
        return new String(pieces[id], StandardCharsets.UTF_8);
    }

    /** The merge score of {@code id}; higher-scoring pairs are merged first. */
    public float score(int id) {
        checkId(id);
        return scores[id];
    }

    @Override
    public String describe() {
        return "llama2c:" + source;
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + pieces.length
                    + ") of " + source);
        }
    }

    /** The raw byte of a {@code <0xHH>} piece (as llama2.c's decode parses it), or null for other pieces. */
    private static byte[] byteFallbackValue(byte[] piece) {
        if (piece.length != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x' || piece[5] != '>') {
            return null;
        }
        int high = Character.digit(piece[3], 16);
        int low = Character.digit(piece[4], 16);
        return high < 0 || low < 0 ? null : new byte[] {(byte) (high * 16 + low)};
    }

    /** Pieces are keyed byte-exactly as ISO-8859-1 strings, like llama2.c's strcmp lookup. */
    private static String key(byte[] piece) {
        return new String(piece, StandardCharsets.ISO_8859_1);
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }
}
