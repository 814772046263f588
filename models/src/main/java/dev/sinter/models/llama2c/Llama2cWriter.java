package dev.sinter.models.llama2c;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.hf.RopeLayout;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a model as a llama2.c legacy (v0) {@code .bin}, the layout {@link Llama2cCheckpoint} reads (and run.c
 * runs). A {@code half} (HF) model has its q/k rows put back into adjacent-pair order
 * ({@link RopeLayout#halfToAdjacent}); the {@code freq_cis} tables are written as llama2.c's export computes them.
 */
public final class Llama2cWriter {
    private Llama2cWriter() {
    }

    /**
     * Writes {@code model} to {@code file}.
     *
     * @throws IllegalArgumentException naming what a llama2.c file cannot express (anything but RMSNorm ε 1e-5, RoPE
     *                                  θ 10000, SwiGLU, dense, no attention biases)
     */
    public static void write(TransformerModel model, Path file) throws IOException {
        ModelConfig c = model.config();
        requireExpressible(c);
        Map<String, INDArray> p = model.parameters();
        boolean unpermute = c.ropeStyle().equals("half");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            ByteBuffer header = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(c.dim()).putInt(c.hiddenDim()).putInt(c.nLayers()).putInt(c.nHeads()).putInt(c.nKvHeads())
                    .putInt(c.tieEmbeddings() ? c.vocabSize() : -c.vocabSize()).putInt(c.maxSeqLen());
            out.write(header.array());
            put(out, p.get(ParameterNames.EMBED));
            perLayer(out, p, c, "input_layernorm.weight");
            for (int i = 0; i < c.nLayers(); i++) {
                INDArray q = p.get(ParameterNames.attn(i, "q"));
                put(out, unpermute ? RopeLayout.halfToAdjacent(q, c.nHeads()) : q);
            }
            for (int i = 0; i < c.nLayers(); i++) {
                INDArray k = p.get(ParameterNames.attn(i, "k"));
                put(out, unpermute ? RopeLayout.halfToAdjacent(k, c.nKvHeads()) : k);
            }
            perLayer(out, p, c, "self_attn.v_proj.weight");
            perLayer(out, p, c, "self_attn.o_proj.weight");
            perLayer(out, p, c, "post_attention_layernorm.weight");
            perLayer(out, p, c, "mlp.gate_proj.weight");
            perLayer(out, p, c, "mlp.down_proj.weight");
            perLayer(out, p, c, "mlp.up_proj.weight");
            put(out, p.get(ParameterNames.FINAL_NORM + ".weight"));
            writeFreqCis(out, c);
            if (!c.tieEmbeddings()) {
                put(out, p.get(ParameterNames.LM_HEAD));
            }
        }
    }

    /** Throws unless a llama2.c v0 file can hold {@code c}: its reader assumes RMSNorm ε 1e-5, RoPE θ 10000, SwiGLU. */
    public static void requireExpressible(ModelConfig c) {
        String why = c.moe() != null ? "Mixture-of-Experts layers"
                : c.attentionBias() ? "q/k/v biases"
                : !c.norm().equals("rmsnorm") ? "norm " + c.norm()
                : !c.positions().equals("rope") ? "learned positions"
                : !c.mlp().equals("swiglu") ? "mlp " + c.mlp()
                : c.normEps() != 1e-5 ? "norm_eps " + c.normEps() + " (llama2.c fixes 1e-5)"
                : c.ropeTheta() != 10000 ? "rope_theta " + c.ropeTheta() + " (llama2.c fixes 10000)" : null;
        if (why != null) {
            throw new IllegalArgumentException("a llama2.c v0 file cannot express " + why + "; use --format hf");
        }
    }

    private static void perLayer(OutputStream out, Map<String, INDArray> p, ModelConfig c, String suffix)
            throws IOException {
        for (int i = 0; i < c.nLayers(); i++) {
            put(out, p.get(ParameterNames.layer(i) + suffix));
        }
    }

    /** freq_cis_real then freq_cis_imag, each {@code [seq_len, hd/2]}: cos and sin of t·10000^(-2i/hd) (llama2.c export.py). */
    private static void writeFreqCis(OutputStream out, ModelConfig c) throws IOException {
        int hd = c.headDim();
        for (int part = 0; part < 2; part++) {
            ByteBuffer buf = ByteBuffer.allocate(4 * c.maxSeqLen() * (hd / 2)).order(ByteOrder.LITTLE_ENDIAN);
            for (int t = 0; t < c.maxSeqLen(); t++) {
                for (int i = 0; i < hd / 2; i++) {
                    float freq = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / hd));
                    double angle = (double) t * freq;
                    buf.putFloat((float) (part == 0 ? Math.cos(angle) : Math.sin(angle)));
                }
            }
            out.write(buf.array());
        }
    }

    private static void put(OutputStream out, INDArray a) throws IOException {
        float[] v = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        out.write(buf.array());
    }
}
