package dev.sinter.models.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.llama2c.TinyStoriesSample;
import dev.sinter.models.llama2c.Llama2cWriter;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Proof of the RoPE layout: stories260K (llama2.c, adjacent-pair RoPE) exported to an HF directory (q/k rows permuted
 * as HF's convert_llama_weights_to_hf.py does) and imported back (rotate-half) is the same model: same logits, NLL on
 * the TinyStories sample and greedy text; its logits equal those of an independent NumPy twin of HF's Llama forward
 * ({@code bench/hf_llama_twin.py}); and both export formats round-trip bit-identically.
 */
class Stories260KHfTest {
    /**
     * Logits of {@code bench/hf_llama_twin.py} on the exported directory, NumPy float64 and PyTorch float32 backends;
     * see testdata/models/hf/SOURCE.md.
     */
    static final String[] TWIN_LOGITS = {"models/hf/stories260K-hf-twin-logits.json",
        "models/hf/stories260K-hf-torch-logits.json"};
    /** SHA-256 of the exported model.safetensors the twin read: the fixture describes exactly this export. */
    static final String EXPORT_SHA256 = "c58cf7822d476404e18b2855c6c6ab4063711abd7d0a7922bd175e51264e5b44";

    @TempDir
    static Path tmp;
    static TransformerModel original;
    static Llama2cTokenizer tokenizer;
    static Path hfDir;
    static TransformerModel imported;

    @BeforeAll
    static void exportAndImport() throws IOException {
        original = Llama2cCheckpoint.load(TestData.fixture("models/stories260K/stories260K.bin"));
        tokenizer = Llama2cTokenizer.load(TestData.fixture("models/stories260K/tok512.bin"));
        hfDir = tmp.resolve("stories260K-hf");
        HfExporter.export(original, hfDir, tokenizer.bos(), tokenizer.eos());
        imported = ModelIO.load(hfDir);
    }

    @Test
    void importIsRotateHalfWithQkRowsPermutedAndEverythingElseUnchanged() {
        assertEquals("adjacent", original.config().ropeStyle());
        assertEquals("half", imported.config().ropeStyle());
        assertEquals(original.config().withRopeStyle("half"), imported.config());
        Map<String, INDArray> a = original.parameters();
        Map<String, INDArray> b = imported.parameters();
        for (int i = 0; i < 5; i++) {
            INDArray q = a.get(ParameterNames.attn(i, "q"));
            assertNotEquals(q, b.get(ParameterNames.attn(i, "q")));
            // head 0, pair 1: adjacent rows (2, 3) are HF rows (1, 1 + hd/2) with hd = 8
            assertEquals(q.getRow(2), b.get(ParameterNames.attn(i, "q")).getRow(1));
            assertEquals(q.getRow(3), b.get(ParameterNames.attn(i, "q")).getRow(5));
            assertEquals(a.get(ParameterNames.attn(i, "k")).getRow(9), b.get(ParameterNames.attn(i, "k")).getRow(12));
            assertEquals(a.get(ParameterNames.attn(i, "v")), b.get(ParameterNames.attn(i, "v")));
            assertEquals(a.get(ParameterNames.attn(i, "o")), b.get(ParameterNames.attn(i, "o")));
        }
    }

    /**
     * In float64 the two layouts agree to rounding (the q·k sums run in another order); in float32 that rounding
     * reaches ~1e-5 on logits of magnitude ~17 (a few ulps), measured 1.24e-5.
     */
    @Test
    void logitsEqualTheLlama2cModel() throws IOException {
        int[][] ids = {tokenizer.encode("Once upon a time, there was a little girl named Lily. She loved to play.",
                true, false)};
        double f32 = maxAbsDiff(original.logits(ids), imported.logits(ids));
        TransformerModel original64 = Llama2cCheckpoint.load(TestData.fixture("models/stories260K/stories260K.bin"),
                DataType.DOUBLE);
        double f64 = maxAbsDiff(original64.logits(ids), HfLlamaImporter.load(hfDir, DataType.DOUBLE).logits(ids));
        System.err.printf("stories260K llama2.c vs HF import over %d tokens: max |Δlogit| float64 %.3g, float32 %.3g%n",
                ids[0].length, f64, f32);
        assertTrue(f64 <= 1e-9, "float64 max |Δlogit| " + f64);
        assertTrue(f32 <= 5e-5, "float32 max |Δlogit| " + f32);
    }

    @Test
    void meanNllOnTinyStoriesSampleIsTheSame() throws IOException {
        double a = meanNll(original);
        double b = meanNll(imported);
        System.err.printf("stories260K mean NLL: llama2.c %.7f, HF import %.7f%n", a, b);
        assertEquals(1.266441, b, 1e-5, "the independent reference of Stories260KTest");
        assertEquals(a, b, 1e-6);
    }

    @Test
    void greedySixtyTokensAreTheSameText() {
        Generator.Settings greedy = new Generator.Settings(60, 0, 1, 0, -1);
        int[] x = new Generator(original).generate(new int[]{tokenizer.bos()}, greedy, id -> { });
        int[] y = new Generator(imported).generate(new int[]{tokenizer.bos()}, greedy, id -> { });
        assertArrayEquals(x, y, tokenizer.decode(y));
        assertTrue(tokenizer.decode(y).startsWith("Once upon a time, there was a little girl named Lily."));
    }

    /** The permutation is what makes it work: the same weights written unpermuted as rotate-half are another model. */
    @Test
    void withoutThePermutationTheImportIsWrong() throws IOException {
        Path naive = tmp.resolve("naive");
        HfExporter.export(imported, naive, 1, 2);
        SafetensorsIO.write(naive.resolve(HfLlamaImporter.WEIGHTS), original.parameters(), Map.of("format", "pt"));
        int[][] ids = {tokenizer.encode("Once upon a time", true, false)};
        double diff = maxAbsDiff(original.logits(ids), ModelIO.load(naive).logits(ids));
        assertTrue(diff > 0.1, "unpermuted q/k should change the logits, max |Δ| " + diff);
    }

    @Test
    void logitsEqualTheIndependentTwinsOfHfLlama() throws Exception {
        assertEquals(EXPORT_SHA256, sha256(hfDir.resolve(HfLlamaImporter.WEIGHTS)),
                "the export changed: regenerate the twin logits (testdata/models/hf/SOURCE.md)");
        for (String file : TWIN_LOGITS) {
            JsonNode twin = Json.read(TestData.fixture(file));
            int[][] ids = {ids(twin)};
            double fromImport = maxAbsDiff(imported.logits(ids), twinLogits(twin));
            double fromLlama2c = maxAbsDiff(original.logits(ids), twinLogits(twin));
            System.err.printf("stories260K vs HF twin (%s): max |Δlogit| HF import %.3g, llama2.c file %.3g%n",
                    twin.get("backend").textValue(), fromImport, fromLlama2c);
            assertTrue(fromImport <= 1e-4, file + ": HF import vs twin " + fromImport);
            assertTrue(fromLlama2c <= 1e-4, file + ": llama2.c model vs twin " + fromLlama2c);
        }
        // float64 against the float64 NumPy twin (logits stored with 9 significant digits): agreement to rounding
        JsonNode numpy = Json.read(TestData.fixture(TWIN_LOGITS[0]));
        double f64 = maxAbsDiff(HfLlamaImporter.load(hfDir, DataType.DOUBLE).logits(new int[][]{ids(numpy)}),
                twinLogits(numpy));
        System.err.printf("stories260K float64 HF import vs NumPy float64 twin: max |Δlogit| %.3g%n", f64);
        assertTrue(f64 <= 1e-6, "float64 import vs twin " + f64);
    }

    @Test
    void hfRoundTripIsBitIdentical() throws IOException {
        Path again = tmp.resolve("again");
        HfExporter.export(imported, again, tokenizer.bos(), tokenizer.eos());
        assertArrayEquals(Files.readAllBytes(hfDir.resolve(HfLlamaImporter.WEIGHTS)),
                Files.readAllBytes(again.resolve(HfLlamaImporter.WEIGHTS)));
        int[][] ids = {tokenizer.encode("The cat sat on the mat.", true, false)};
        assertEquals(0.0, maxAbsDiff(imported.logits(ids), ModelIO.load(again).logits(ids)));
    }

    @Test
    void llama2cRoundTripIsBitIdenticalToTheOriginalFile() throws IOException {
        Path bin = tmp.resolve("back.bin");
        Llama2cWriter.write(imported, bin); // half → adjacent by the inverse permutation
        byte[] source = Files.readAllBytes(TestData.fixture("models/stories260K/stories260K.bin"));
        byte[] written = Files.readAllBytes(bin);
        assertEquals(source.length, written.length);
        int freqCisStart = source.length - 2 * 4 * 512 * 4; // tied: the file ends with freq_cis_real/imag [512, 4]
        assertArrayEquals(Arrays.copyOf(source, freqCisStart), Arrays.copyOf(written, freqCisStart));
        float[] real = floats(source, freqCisStart, 2 * 512 * 4);
        float[] ours = floats(written, freqCisStart, 2 * 512 * 4);
        for (int j = 0; j < real.length; j++) {
            assertEquals(real[j], ours[j], 2e-4, "freq_cis entry " + j);
        }
        int[][] ids = {tokenizer.encode("The cat sat on the mat.", true, false)};
        assertEquals(0.0, maxAbsDiff(original.logits(ids), Llama2cCheckpoint.load(bin).logits(ids)));
    }

    static double meanNll(TransformerModel m) throws IOException {
        return TinyStoriesSample.nll(m, tokenizer).mean();
    }

    static int[] ids(JsonNode twin) {
        int[] ids = new int[twin.get("ids").size()];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = twin.get("ids").get(t).intValue();
        }
        return ids;
    }

    /** The twin's {@code [T][V]} logits. */
    static double[][] twinLogits(JsonNode twin) {
        JsonNode rows = twin.get("logits");
        double[][] out = new double[rows.size()][];
        for (int t = 0; t < out.length; t++) {
            out[t] = new double[rows.get(t).size()];
            for (int v = 0; v < out[t].length; v++) {
                out[t][v] = rows.get(t).get(v).doubleValue();
            }
        }
        return out;
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE)
                .sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /** Max |Δ| between logits {@code [1, T, V]} and the twin's {@code [T][V]}. */
    static double maxAbsDiff(INDArray logits, double[][] twin) {
        double max = 0;
        assertEquals(twin.length, logits.size(1));
        assertEquals(twin[0].length, logits.size(2));
        for (int t = 0; t < twin.length; t++) {
            for (int v = 0; v < twin[t].length; v++) {
                max = Math.max(max, Math.abs(logits.getDouble(0, t, v) - twin[t][v]));
            }
        }
        return max;
    }

    private static float[] floats(byte[] bytes, int offset, int n) {
        float[] out = new float[n];
        java.nio.ByteBuffer.wrap(bytes, offset, 4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
