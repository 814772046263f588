package dev.sinter.framework.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SafetensorsIOTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAllDtypesShapesAndMetadata() throws IOException {
        INDArray matrix = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, DataType.FLOAT);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("z.float", matrix);
        tensors.put("a.double", Nd4j.create(new double[] {Math.PI, -1e300, 0.5}, new long[] {3}, DataType.DOUBLE));
        tensors.put("m.int",
                Nd4j.create(new int[] {Integer.MIN_VALUE, -1, 0, 7}, new long[] {2, 1, 2}, DataType.INT32));
        tensors.put("scalar.long", Nd4j.scalar(DataType.INT64, Long.MAX_VALUE));
        tensors.put("column.view", matrix.get(NDArrayIndex.all(), NDArrayIndex.point(1)));
        tensors.put("fortran", Nd4j.create(new double[] {1, 2, 3, 4}, new long[] {2, 2}, DataType.DOUBLE).dup('f'));
        tensors.put("empty", Nd4j.create(DataType.FLOAT, new long[] {0, 3}, 'c'));
        Map<String, String> metadata = Map.of("format", "sinter", "step", "12");
        Path file = dir.resolve("model.safetensors");

        SafetensorsIO.write(file, tensors, metadata);
        Map<String, INDArray> read = SafetensorsIO.read(file);

        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(read.keySet()));
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray back = read.get(e.getKey());
            assertEquals(e.getValue().dataType(), back.dataType(), e.getKey());
            assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
            assertEquals(e.getValue(), back, e.getKey());
        }
        assertEquals(0, read.get("scalar.long").rank());
        assertEquals(Long.MAX_VALUE, read.get("scalar.long").getLong(0));
        assertArrayEquals(new float[] {2, 5}, read.get("column.view").toFloatVector());
        assertEquals(Math.PI, read.get("a.double").getDouble(0));
        assertEquals(Integer.MIN_VALUE, read.get("m.int").getInt(0, 0, 0));
        assertEquals(metadata, SafetensorsIO.readMetadata(file));
    }

    @Test
    void writesTheSpecifiedByteLayout() throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("w", Nd4j.create(new float[] {1.5f, -2f}, new long[] {2}, DataType.FLOAT));
        tensors.put("step", Nd4j.scalar(DataType.INT64, 258L));
        SafetensorsIO.write(file, tensors, Map.of("format", "pt"));

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = bytes.getLong(0);
        assertEquals(0, n % 8, "header length must be a multiple of 8");
        assertEquals(8 + n + 8 + 8, bytes.capacity());
        String header = new String(bytes.array(), 8, (int) n, StandardCharsets.UTF_8);
        String unpadded = header.stripTrailing();
        assertTrue(unpadded.startsWith("{") && unpadded.endsWith("}"), header);
        assertEquals(" ".repeat(header.length() - unpadded.length()), header.substring(unpadded.length()));
        JsonNode json = Json.mapper().readTree(unpadded);
        assertEquals(Json.mapper().readTree("""
                {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "step": {"dtype": "I64", "shape": [], "data_offsets": [8, 16]},
                 "__metadata__": {"format": "pt"}}"""), json);
        int data = 8 + (int) n;
        assertEquals(1.5f, bytes.getFloat(data));
        assertEquals(-2f, bytes.getFloat(data + 4));
        assertEquals(258L, bytes.getLong(data + 8));
        assertEquals(2, bytes.get(data + 8)); // little-endian: 258 = 0x0102, low byte first
        assertEquals(1, bytes.get(data + 9));
    }

    @Test
    void readsAHandBuiltFile() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(-3).putInt(4).putDouble(0.25).putFloat(7f).putFloat(8f);
        Path file = build("""
                {"__metadata__":{"k":"v"},"i":{"dtype":"I32","shape":[1,2],"data_offsets":[0,8]},\
                "f":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},\
                "d":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}""", data.array());
        Map<String, INDArray> t = SafetensorsIO.read(file);
        assertEquals(List.of("i", "f", "d"), List.copyOf(t.keySet()));
        assertArrayEquals(new long[] {1, 2}, t.get("i").shape());
        assertEquals(-3, t.get("i").getInt(0, 0));
        assertEquals(4, t.get("i").getInt(0, 1));
        assertArrayEquals(new float[] {7f, 8f}, t.get("f").toFloatVector());
        assertEquals(0.25, t.get("d").getDouble(0));
        assertEquals(Map.of("k", "v"), SafetensorsIO.readMetadata(file));
    }

    @Test
    void widensF16AndBf16ToFloat32Exactly() throws IOException {
        // F16: 1.0, -2.5, 65504 (max), 2^-24 (smallest subnormal), -0.0, +inf, 2^-14 (smallest normal), 1/3 ≈ 0x3555
        short[] half = {0x3C00, (short) 0xC100, 0x7BFF, 0x0001, (short) 0x8000, 0x7C00, 0x0400, 0x3555};
        float[] halfExpected = {1f, -2.5f, 65504f, 0x1p-24f, -0f, Float.POSITIVE_INFINITY, 0x1p-14f,
                0.333251953125f};
        // BF16: the upper 16 bits of float32: 1.0, -3.0, 1e-40 (subnormal in float32), π truncated
        float[] bfExpected = {1f, -3f, Float.intBitsToFloat(Float.floatToIntBits(1e-40f) & 0xFFFF0000),
                Float.intBitsToFloat(Float.floatToIntBits((float) Math.PI) & 0xFFFF0000)};
        ByteBuffer data = ByteBuffer.allocate(2 * (half.length + bfExpected.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : half) {
            data.putShort(h);
        }
        for (float f : bfExpected) {
            data.putShort((short) (Float.floatToIntBits(f) >>> 16));
        }
        Path file = build("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[16,24]}}", data.array());

        assertEquals(List.of("F16", "BF16"), SafetensorsIO.describe(file).stream()
                .map(SafetensorsIO.TensorInfo::dtype).toList());
        Map<String, INDArray> t = SafetensorsIO.read(file);
        assertEquals(DataType.FLOAT, t.get("h").dataType());
        assertArrayEquals(new long[] {2, 4}, t.get("h").shape());
        float[] h = t.get("h").reshape(8).toFloatVector();
        for (int i = 0; i < half.length; i++) {
            assertEquals(Float.floatToIntBits(halfExpected[i]), Float.floatToIntBits(h[i]), "F16 element " + i);
        }
        float[] b = t.get("b").toFloatVector();
        for (int i = 0; i < bfExpected.length; i++) {
            assertEquals(Float.floatToIntBits(bfExpected[i]), Float.floatToIntBits(b[i]), "BF16 element " + i);
        }
        assertTrue(Float.isNaN(SafetensorsIO.halfToFloat(0x7E00)));
        assertEquals(List.of("b"), List.copyOf(SafetensorsIO.read(file, "b"::equals).keySet()));
    }

    @Test
    void rejectsAHeaderLongerThanTheFile() throws IOException {
        Path file = dir.resolve("short.safetensors");
        ByteBuffer bytes = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Files.write(file, bytes.array());
        assertProblem(file, "header length 1000 does not fit: the file has 16 bytes after the length field");
        Files.write(file, new byte[] {1, 2, 3});
        assertProblem(file, "file has 3 bytes, expected at least 8");
        Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        assertProblem(file, "header length 18446744073709551615 does not fit");
    }

    @Test
    void rejectsOverlappingGappedOrIncompleteOffsets() throws IOException {
        Path overlap = build("""
                {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
                "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]);
        assertProblem(overlap, "tensor 'b': data_offsets [4, 12] overlap tensor 'a' which ends at 8");
        Path gap = build("""
                {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},\
                "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[12]);
        assertProblem(gap, "tensor 'b': data_offsets start at 8 leaving a gap after byte 4");
        Path trailing = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[8]);
        assertProblem(trailing, "tensors cover 4 of the 8 data bytes");
        Path outside = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]);
        assertProblem(outside, "tensor 'a': data_offsets [0, 16] are not within the 8-byte data section");
    }

    @Test
    void rejectsBadEntries() throws IOException {
        assertProblem(build("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]),
                "tensor 'a': dtype \"F8_E4M3\" is not supported (expected F32, F16, BF16, F64, I32 or I64)");
        assertProblem(build("{\"a\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'a': size mismatch: shape [3] of BF16 needs 6 bytes but data_offsets span 4");
        assertProblem(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]),
                "tensor 'a': size mismatch: shape [3] of F32 needs 12 bytes but data_offsets span 8");
        assertProblem(build("{\"a\":{\"dtype\":\"I64\",\"shape\":[-1],\"data_offsets\":[0,8]}}", new byte[8]),
                "tensor 'a': shape value -1 is not a non-negative integer");
        assertProblem(build("{\"a\":{\"dtype\":\"I32\",\"shape\":[4611686018427387904, 4],"
                + "\"data_offsets\":[0,8]}}", new byte[8]), "tensor 'a': shape size overflows");
        assertProblem(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
                "tensor 'a': data_offsets null is not an array [begin, end]");
        assertProblem(build("{\"a\": [1, 2", new byte[0]), "header is not valid JSON");
        assertProblem(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"a\":1}", new byte[0]),
                "header is not valid JSON: Duplicate field 'a'");
        assertProblem(build("{\"__metadata__\":{\"k\":1}}", new byte[0]), "__metadata__ value of 'k' is not a string");
    }

    @Test
    void refusesUnsupportedDtypesAndReservedNames() {
        Path file = dir.resolve("bad.safetensors");
        assertThrows(IllegalArgumentException.class, () -> SafetensorsIO.write(file,
                Map.of("h", Nd4j.create(DataType.HALF, 2)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsIO.write(file,
                Map.of("__metadata__", Nd4j.create(DataType.FLOAT, 2)), null));
    }

    /** A file with {@code json} (space-padded to a multiple of 8) as header and {@code data} as data section. */
    private Path build(String json, byte[] data) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        ByteBuffer bytes = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(padded).put(header);
        while (bytes.position() < 8 + padded) {
            bytes.put((byte) ' ');
        }
        bytes.put(data);
        Path file = Files.createTempFile(dir, "hand", ".safetensors");
        Files.write(file, bytes.array());
        return file;
    }

    private static void assertProblem(Path file, String expected) {
        IOException e = assertThrows(IOException.class, () -> SafetensorsIO.read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
