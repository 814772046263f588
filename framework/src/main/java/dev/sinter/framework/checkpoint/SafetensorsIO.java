package dev.sinter.framework.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes the Hugging Face safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * (padded with spaces to a multiple of 8) mapping each tensor name to {@code {"dtype", "shape", "data_offsets"}} plus
 * an optional {@code "__metadata__"} string map, then the raw little-endian tensor data in row-major order. Supported
 * dtypes: F32, F64, I32, I64 (ND4J FLOAT, DOUBLE, INT, LONG), and for reading F16 and BF16, which are converted to
 * FLOAT on load (both convert exactly: every half and bfloat16 value is a float32 value).
 *
 * <p>Files are treated as untrusted: the header is fully validated (size limits, JSON syntax, known dtypes,
 * non-negative dims, sizes matching the offsets, offsets non-overlapping and covering the data section exactly) before
 * any tensor is allocated, and every violation is an {@link IOException} naming the file, the tensor and the problem.
 * Tensor data is streamed straight between the file and ND4J's off-heap buffers.
 */
public final class SafetensorsIO {
    /** The reserved header key holding string metadata. */
    public static final String METADATA_KEY = "__metadata__";
    /** Largest accepted JSON header. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final int MAX_RANK = 32;
    /** Not the shared {@link dev.sinter.framework.util.Json} mapper: headers are untrusted input, so a duplicate key
     *  or anything after the JSON object is an error rather than silently last-wins or ignored. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private SafetensorsIO() {
    }

    /** Bytes converted per chunk when widening F16/BF16 to float32. */
    private static final int CONVERT_CHUNK = 1 << 20;

    /**
     * The supported element types with their safetensors names and byte sizes; {@code nd4j} is the type they are
     * read as (F16 and BF16 are widened to FLOAT and are never written).
     */
    private enum Dtype {
        F32(DataType.FLOAT, 4), F64(DataType.DOUBLE, 8), I32(DataType.INT32, 4), I64(DataType.INT64, 8),
        F16(DataType.FLOAT, 2), BF16(DataType.FLOAT, 2);

        final DataType nd4j;
        final int size;

        Dtype(DataType nd4j, int size) {
            this.nd4j = nd4j;
            this.size = size;
        }

        boolean widened() {
            return this == F16 || this == BF16;
        }

        static Dtype of(DataType type) {
            for (Dtype d : values()) {
                if (d.nd4j == type && !d.widened()) {
                    return d;
                }
            }
            return null;
        }

        static Dtype named(String name) {
            for (Dtype d : values()) {
                if (d.name().equals(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    /** One validated header entry; {@code begin} and {@code end} are relative to the data section. */
    private record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
    }

    private record Header(long dataStart, List<Entry> entries, Map<String, String> metadata) {
    }

    /**
     * A tensor as its validated header describes it, before any data is read.
     *
     * @param name  tensor name
     * @param dtype safetensors dtype name as stored (e.g. {@code BF16})
     * @param shape dimensions
     */
    public record TensorInfo(String name, String dtype, long[] shape) {
    }

    /**
     * Writes {@code tensors} in map order, with {@code metadata} (may be null or empty) under {@code __metadata__}.
     *
     * @throws IllegalArgumentException if a tensor has an unsupported dtype or a name is {@code __metadata__}
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch, tensors, metadata);
        }
    }

    /**
     * Writes {@code tensors} as a safetensors file to {@code ch}, from its current position, as
     * {@link #write(Path, Map, Map)} does; the caller opens and closes the channel.
     */
    public static void write(WritableByteChannel ch, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        List<INDArray> data = new ArrayList<>(tensors.size());
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            INDArray array = e.getValue();
            if (METADATA_KEY.equals(name)) {
                throw new IllegalArgumentException("tensor name " + METADATA_KEY + " is reserved for metadata");
            }
            Dtype dtype = Dtype.of(array.dataType());
            if (dtype == null) {
                throw new IllegalArgumentException("tensor '" + name + "' has dtype " + array.dataType()
                        + "; safetensors writing supports FLOAT, DOUBLE, INT, LONG");
            }
            long bytes = array.length() * dtype.size;
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", dtype.name());
            var shape = entry.putArray("shape");
            for (long dim : array.shape()) {
                shape.add(dim);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            data.add(array);
        }
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        writeFully(ch, head.flip());
        for (INDArray array : data) {
            if (array.length() > 0) {
                writeTensor(ch, array);
            }
        }
    }

    /** Writes the row-major little-endian bytes of {@code array}, copying only views and non-'c'-ordered arrays. */
    private static void writeTensor(WritableByteChannel ch, INDArray array) throws IOException {
        requireLittleEndianPlatform();
        boolean dense = array.ordering() == 'c' && !array.isView() && array.data().length() == array.length();
        INDArray c = dense ? array : array.dup('c');
        ByteBuffer raw = c.data().asNio().duplicate();
        raw.clear().limit(Math.toIntExact(c.length() * c.data().getElementSize()));
        writeFully(ch, raw);
        Reference.reachabilityFence(c); // the direct buffer does not keep ND4J's off-heap memory alive
    }

    /** Reads all tensors, in the order of the header (F16 and BF16 widened to FLOAT). */
    public static Map<String, INDArray> read(Path file) throws IOException {
        return read(file, name -> true);
    }

    /**
     * Reads the tensors whose names {@code wanted} accepts, in the order of the header (F16 and BF16 widened to
     * FLOAT). The whole header is validated first, as by {@link #validate}.
     */
    public static Map<String, INDArray> read(Path file, java.util.function.Predicate<String> wanted)
            throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, ch);
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (Entry e : header.entries()) {
                if (!wanted.test(e.name())) {
                    continue;
                }
                INDArray array = Nd4j.create(e.dtype().nd4j, e.shape(), 'c');
                long bytes = e.end() - e.begin();
                if (bytes > 0) {
                    requireLittleEndianPlatform();
                    ByteBuffer dst = array.data().asNio().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    if (e.dtype().widened()) {
                        readWidened(file, ch, e, header.dataStart() + e.begin(), dst.asFloatBuffer());
                    } else {
                        dst.clear().limit((int) bytes);
                        readFully(file, ch, dst, header.dataStart() + e.begin());
                    }
                    Reference.reachabilityFence(array);
                }
                tensors.put(e.name(), array);
            }
            return tensors;
        }
    }

    /**
     * The tensors of a file as its header describes them (name, stored dtype, shape), in header order, without
     * reading or allocating any tensor; the header is validated as by {@link #validate}.
     */
    public static List<TensorInfo> describe(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            List<TensorInfo> out = new ArrayList<>();
            for (Entry e : readHeader(file, ch).entries()) {
                out.add(new TensorInfo(e.name(), e.dtype().name(), e.shape().clone()));
            }
            return out;
        }
    }

    /** Streams a 16-bit tensor in chunks, widening each element to float32 into {@code dst}. */
    private static void readWidened(Path file, FileChannel ch, Entry e, long position, java.nio.FloatBuffer dst)
            throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CONVERT_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long remaining = e.end() - e.begin();
        long pos = position;
        while (remaining > 0) {
            chunk.clear().limit((int) Math.min(CONVERT_CHUNK, remaining));
            readFully(file, ch, chunk, pos);
            chunk.flip();
            pos += chunk.limit();
            remaining -= chunk.limit();
            while (chunk.hasRemaining()) {
                int bits = chunk.getShort() & 0xFFFF;
                dst.put(e.dtype() == Dtype.BF16 ? Float.intBitsToFloat(bits << 16) : halfToFloat(bits));
            }
        }
    }

    /** IEEE 754 binary16 → binary32, exact for every value (subnormals, infinities and NaN payloads included). */
    static float halfToFloat(int half) {
        int sign = (half & 0x8000) << 16;
        int exp = (half >>> 10) & 0x1F;
        int mantissa = half & 0x3FF;
        if (exp == 0x1F) { // Inf / NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exp != 0) { // normal: rebias 15 → 127
            return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mantissa << 13));
        }
        float magnitude = mantissa * 0x1p-24f; // subnormal (or zero): mantissa · 2^-24, exact in float32
        return sign == 0 ? magnitude : -magnitude;
    }

    /**
     * Checks that {@code file} is a complete safetensors file: the header is validated as by {@link #read} against the
     * file's size (a truncated file fails), without allocating any tensor.
     */
    public static void validate(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            readHeader(file, ch);
        }
    }

    /** Reads only the {@code __metadata__} map (empty if absent); the header is validated as by {@link #read}. */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch).metadata();
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw problem(file, "file has " + size + " bytes, expected at least 8 (the header length)");
        }
        ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lengthField, 0);
        long headerLength = lengthField.getLong(0);
        if (headerLength < 2 || headerLength > size - 8) {
            throw problem(file, "header length " + Long.toUnsignedString(headerLength) + " does not fit: the file has "
                    + (size - 8) + " bytes after the length field and a header needs at least 2");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw problem(file, "header length " + headerLength + " exceeds the limit of " + MAX_HEADER_BYTES);
        }
        ByteBuffer json = ByteBuffer.allocate((int) headerLength);
        readFully(file, ch, json, 8);
        JsonNode root;
        try {
            root = JSON.readTree(new String(json.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw problem(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw problem(file, "header is not a JSON object");
        }
        long dataSize = size - 8 - headerLength;
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (METADATA_KEY.equals(field.getKey())) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                entries.add(parseEntry(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        checkCoverage(file, entries, dataSize);
        return new Header(8 + headerLength, entries, metadata);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws IOException {
        if (!node.isObject()) {
            throw problem(file, METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw problem(file, METADATA_KEY + " value of '" + field.getKey() + "' is not a string");
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return metadata;
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataSize) throws IOException {
        if (!node.isObject()) {
            throw tensorProblem(file, name, "entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        Dtype dtype = dtypeNode != null && dtypeNode.isTextual() ? Dtype.named(dtypeNode.textValue()) : null;
        if (dtype == null) {
            throw tensorProblem(file, name, "dtype " + dtypeNode
                    + " is not supported (expected F32, F16, BF16, F64, I32 or I64); convert the file to F32, F16 or BF16");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > MAX_RANK) {
            throw tensorProblem(file, name, "shape " + shapeNode + " is not an array of at most " + MAX_RANK + " dims");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(file, name, "shape", shapeNode.get(i));
            count = multiply(file, name, count, shape[i]);
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw tensorProblem(file, name, "data_offsets " + offsets + " is not an array [begin, end]");
        }
        long begin = nonNegativeLong(file, name, "data_offsets", offsets.get(0));
        long end = nonNegativeLong(file, name, "data_offsets", offsets.get(1));
        if (begin > end || end > dataSize) {
            throw tensorProblem(file, name, "data_offsets [" + begin + ", " + end + "] are not within the "
                    + dataSize + "-byte data section");
        }
        long bytes = multiply(file, name, count, dtype.size);
        if (bytes != end - begin) {
            throw tensorProblem(file, name, "size mismatch: shape " + shapeNode + " of " + dtype + " needs " + bytes
                    + " bytes but data_offsets span " + (end - begin));
        }
        if (bytes > Integer.MAX_VALUE) {
            throw tensorProblem(file, name, bytes + " bytes exceeds the 2 GiB per-tensor limit");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Offsets must tile the data section: sorted by begin, each tensor starts where the previous one ended. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataSize) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin() < expected) {
                throw tensorProblem(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor '" + previous + "' which ends at " + expected);
            }
            if (e.begin() > expected) {
                throw tensorProblem(file, e.name(), "data_offsets start at " + e.begin() + " leaving a gap after byte "
                        + expected);
            }
            expected = e.end();
            previous = e.name();
        }
        if (expected != dataSize) {
            throw problem(file, "tensors cover " + expected + " of the " + dataSize + " data bytes");
        }
    }

    private static long nonNegativeLong(Path file, String name, String field, JsonNode value) throws IOException {
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
            throw tensorProblem(file, name, field + " value " + value + " is not a non-negative integer");
        }
        return value.longValue();
    }

    private static long multiply(Path file, String name, long a, long b) throws IOException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw tensorProblem(file, name, "shape size overflows");
        }
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new EOFException(file + ": unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            ch.write(src);
        }
    }

    /** ND4J buffers hold native-order bytes, which are safetensors' little-endian only on little-endian machines. */
    private static void requireLittleEndianPlatform() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors I/O needs a little-endian platform");
        }
    }

    private static IOException problem(Path file, String message) {
        return new IOException(file + ": " + message);
    }

    private static IOException tensorProblem(Path file, String name, String message) {
        return new IOException(file + ": tensor '" + name + "': " + message);
    }
}
