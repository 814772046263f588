package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sinter.models.transformer.LinearLayer;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity of our SameDiff encoder with ONNX Runtime on the same ONNX file: {@code last_hidden_state} and the pooled
 * output, max abs error < {@value #TOLERANCE}, for a single sentence and a padded batch. Each model is imported and
 * ONNX Runtime's session created once per test class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ParityCheck {
    static final double TOLERANCE = 1e-4;
    static final List<String> BATCH = List.of("This is an example sentence",
            "Each sentence is converted", "A much longer sentence, with punctuation, numbers like 1984 and"
                    + " rare words such as photosynthesis, pads the others.", "Short.");

    protected BertEncoder encoder;
    protected EncoderTokenizer tokenizer;
    private OrtEnvironment env;
    private OrtSession session;

    abstract PretrainedEncoder model();

    @BeforeAll
    void load() throws Exception {
        ImportedEncoder imported = model().load();
        encoder = BertEncoder.create(imported.config(), 0, DataType.FLOAT, 0, LinearLayer.DENSE);
        encoder.loadParameters(imported.weights(), imported.source());
        tokenizer = model().tokenizer();
        env = OrtEnvironment.getEnvironment();
        byte[] bytes;
        try (InputStream in = model().open(getClass().getClassLoader(), model().id() + ".onnx")) {
            bytes = in.readAllBytes();
        }
        session = env.createSession(bytes, new OrtSession.SessionOptions());
    }

    @AfterAll
    void close() throws Exception {
        session.close();
        tokenizer.close();
    }

    /** ONNX Runtime's last_hidden_state [B, T, D]. */
    INDArray onnxHidden(EncodedBatch b) throws Exception {
        try (OnnxTensor ids = OnnxTensor.createTensor(env, toLong(b.inputIds()));
             OnnxTensor mask = OnnxTensor.createTensor(env, toLong(b.attentionMask()));
             OnnxTensor types = OnnxTensor.createTensor(env, toLong(b.tokenTypeIds()));
             OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask,
                     "token_type_ids", types))) {
            float[][][] h = (float[][][]) r.get(0).getValue();
            return Nd4j.createFromArray(h);
        }
    }

    /** The reference pooling on ONNX Runtime's states: mean over real tokens, or the first token. */
    INDArray referencePool(INDArray hidden, EncodedBatch b) {
        if (model().pooling() == Pooling.CLS) {
            return hidden.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
        }
        INDArray m = Nd4j.createFromArray(b.attentionMask()).castTo(DataType.FLOAT); // [B, T]
        INDArray sum = hidden.mul(m.reshape(m.size(0), m.size(1), 1)).sum(1); // [B, D]
        return sum.diviColumnVector(m.sum(true, 1));
    }

    private static long[][] toLong(int[][] a) {
        long[][] out = new long[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = java.util.Arrays.stream(a[i]).asLongStream().toArray();
        }
        return out;
    }

    void assertParity(EncodedBatch b) throws Exception {
        INDArray ref = onnxHidden(b);
        Map<String, INDArray> out = encoder.output(b, BertEncoder.LAST_HIDDEN_STATE, BertEncoder.POOLED);
        INDArray ours = out.get(BertEncoder.LAST_HIDDEN_STATE);
        assertArrayEquals(ref.shape(), ours.shape());
        double errHidden = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.reduce.same.AMax(ref.sub(ours)))
                .getDouble(0);
        double errPooled = referencePool(ref, b).sub(out.get(BertEncoder.POOLED)).amaxNumber().doubleValue();
        System.out.printf("%s B=%d T=%d: max |Δ last_hidden_state| = %.3g, max |Δ pooled| = %.3g%n", model().id(),
                b.batchSize(), b.length(), errHidden, errPooled);
        assertTrue(errHidden < TOLERANCE, "last_hidden_state max abs error " + errHidden);
        assertTrue(errPooled < TOLERANCE, "pooled max abs error " + errPooled);
    }

    @Test
    void singleSentenceMatchesOnnxRuntime() throws Exception {
        assertParity(tokenizer.encode(List.of(BATCH.get(0)), 512));
    }

    @Test
    void paddedBatchMatchesOnnxRuntime() throws Exception {
        EncodedBatch b = tokenizer.encode(BATCH, 512);
        assertTrue(b.attentionMask()[3][b.length() - 1] == 0, "the batch is padded");
        assertParity(b);
    }

    @Test
    void paddedTextPairsMatchOnnxRuntime() throws Exception {
        assertParity(tokenizer.encodePairs(BATCH.subList(0, 2), BATCH.subList(2, 4), 24));
    }
}
