package dev.sinter.models.llama2c;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads Karpathy's llama2.c legacy (v0) checkpoints into a {@link TransformerModel}.
 *
 * <p>Layout: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size
 * means an untied classifier follows), then fp32 row-major arrays, matrices stored {@code [out, in]}:
 * token_embedding[V,D], rms_att[L,D], wq[L,D,D], wk[L,KV·hs,D], wv[L,KV·hs,D], wo[L,D,D], rms_ffn[L,D],
 * w1[L,H,D] (gate), w2[L,D,H] (down), w3[L,H,D] (up), rms_final[D], freq_cis_real[S,hs/2], freq_cis_imag[S,hs/2],
 * [wcls[V,D]]. The file is untrusted: the header is checked against the file size before anything is allocated.
 */
public final class Llama2cCheckpoint {
    private static final int HEADER_BYTES = 7 * 4;
    private static final int MAX_DIM = 1 << 16;

    private Llama2cCheckpoint() {
    }

    /** Reads the header and derives the architecture (RMSNorm 1e-5, adjacent-pair RoPE θ=10000, SwiGLU). */
    public static ModelConfig readConfig(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return validate(file, ch.size(), header(file, ch));
        }
    }

    /** Loads the checkpoint as a float32 model. */
    public static TransformerModel load(Path file) throws IOException {
        return load(file, DataType.FLOAT);
    }

    /** Loads the checkpoint into a model of the given data type. */
    public static TransformerModel load(Path file, DataType dtype) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ModelConfig cfg = validate(file, ch.size(), header(file, ch));
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, ch.size() - HEADER_BYTES);
            FloatBuffer fb = map.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            Map<String, INDArray> tensors = readTensors(cfg, fb);
            TransformerModel model = TransformerModel.createForLoading(cfg, dtype);
            model.loadParameters(tensors, file.toString());
            return model;
        }
    }

    private static int[] header(Path file, FileChannel ch) throws IOException {
        if (ch.size() < HEADER_BYTES) {
            throw new IOException(file + ": " + ch.size() + " bytes is too short for a llama2.c checkpoint header ("
                    + HEADER_BYTES + " bytes)");
        }
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, buf.position()) < 0) {
                throw new IOException(file + ": unexpected end of file in header");
            }
        }
        buf.flip();
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) {
            h[i] = buf.getInt();
        }
        return h;
    }

    private static ModelConfig validate(Path file, long fileSize, int[] h) throws IOException {
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        for (int i = 0; i < 7; i++) {
            int v = i == 5 ? Math.abs(h[i]) : h[i];
            if (v <= 0 || v > MAX_DIM * 64) {
                throw new IOException(file + ": header field " + names[i] + " = " + h[i]
                        + " is out of range; not a llama2.c v0 checkpoint?");
            }
        }
        int dim = h[0];
        int hidden = h[1];
        int layers = h[2];
        int heads = h[3];
        int kvHeads = h[4];
        boolean tied = h[5] > 0;
        int vocab = Math.abs(h[5]);
        int seq = h[6];
        if (dim % heads != 0 || heads % kvHeads != 0) {
            throw new IOException(file + ": inconsistent header: dim " + dim + ", n_heads " + heads + ", n_kv_heads "
                    + kvHeads + " (dim must divide by n_heads, n_heads by n_kv_heads)");
        }
        long expected = HEADER_BYTES + 4L * floatCount(dim, hidden, layers, heads, kvHeads, vocab, seq, tied);
        if (fileSize != expected) {
            throw new IOException(file + ": file has " + fileSize + " bytes but its header (dim=" + dim + ", hidden_dim="
                    + hidden + ", n_layers=" + layers + ", n_heads=" + heads + ", n_kv_heads=" + kvHeads + ", vocab_size="
                    + h[5] + ", seq_len=" + seq + ") implies " + expected
                    + " bytes: the file is truncated or not a llama2.c v0 checkpoint");
        }
        try {
            // llama2.c's model: RMSNorm (eps 1e-5), adjacent-pair RoPE (theta 10000), SwiGLU: the builder's defaults
            return ModelConfig.builder().dim(dim).nLayers(layers).nHeads(heads).nKvHeads(kvHeads).hiddenDim(hidden)
                    .vocabSize(vocab).maxSeqLen(seq).tieEmbeddings(tied).build();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": unsupported architecture: " + e.getMessage(), e);
        }
    }

    private static long floatCount(long d, long hid, long l, long heads, long kvh, long v, long s, boolean tied) {
        long hs = d / heads;
        long kv = kvh * hs;
        long n = v * d + l * d + l * d * d + 2 * l * kv * d + l * d * d + l * d + 3 * l * hid * d + d + s * hs;
        return tied ? n : n + v * d;
    }

    private static Map<String, INDArray> readTensors(ModelConfig c, FloatBuffer fb) {
        int d = c.dim();
        int hid = c.hiddenDim();
        int l = c.nLayers();
        int kv = c.kvDim();
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put(ParameterNames.EMBED, next(fb, c.vocabSize(), d));
        perLayer(fb, t, l, "input_layernorm.weight", d);
        perLayer(fb, t, l, "self_attn.q_proj.weight", d, d);
        perLayer(fb, t, l, "self_attn.k_proj.weight", kv, d);
        perLayer(fb, t, l, "self_attn.v_proj.weight", kv, d);
        perLayer(fb, t, l, "self_attn.o_proj.weight", d, d);
        perLayer(fb, t, l, "post_attention_layernorm.weight", d);
        perLayer(fb, t, l, "mlp.gate_proj.weight", hid, d);
        perLayer(fb, t, l, "mlp.down_proj.weight", d, hid);
        perLayer(fb, t, l, "mlp.up_proj.weight", hid, d);
        t.put(ParameterNames.FINAL_NORM + ".weight", next(fb, d));
        // freq_cis_real/imag: we compute RoPE tables ourselves (θ = 10000), so skip them
        fb.position(fb.position() + c.maxSeqLen() * c.headDim());
        if (!c.tieEmbeddings()) {
            t.put(ParameterNames.LM_HEAD, next(fb, c.vocabSize(), d));
        }
        return t;
    }

    private static void perLayer(FloatBuffer fb, Map<String, INDArray> t, int layers, String suffix, int... shape) {
        for (int i = 0; i < layers; i++) {
            t.put(ParameterNames.layer(i) + suffix, next(fb, shape));
        }
    }

    private static INDArray next(FloatBuffer fb, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] data = new float[n];
        fb.get(data);
        long[] ls = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            ls[i] = shape[i];
        }
        return Nd4j.create(data, ls, 'c');
    }
}
