package dev.sinter.models.decode;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.models.moe.MoeNames;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The weights of a decoder-only transformer copied once into contiguous {@code float[]} arrays for
 * {@link KvCacheDecoder}. Immutable after construction, so several decoders (one per sequence) may share one instance.
 *
 * <p>Projections that read the same input are stacked row-wise so that one matrix-vector product computes them:
 * {@code q, k, v → [D + 2·KV·hd, D]} and SwiGLU's {@code gate, up → [2·H, D]}. Every matrix that only multiplies
 * vectors is stored in the layout of the kernels that will run it ({@link Kernels#pack}); the token and position
 * embeddings stay row-major {@code [rows, D]} for row lookups (a tied LM head is a packed copy of the embedding).
 */
public final class DecoderWeights {
    /** A norm's scale and, for LayerNorm, its bias (null for RMSNorm). Both {@code [D]}. */
    record Norm(float[] weight, float[] bias) {
    }

    /**
     * A dense MLP: {@code gateUp} is {@code [2·H, D]} (gate rows, then up rows) for SwiGLU or {@code [H, D]} (up) for
     * GELU; {@code down} is {@code [D, H]}.
     */
    record Mlp(float[] gateUp, float[] down, int hidden) {
    }

    /**
     * An MoE block: router {@code [E, D]}, one {@link Mlp} per expert, and for Residual MoE the dense branch and (for
     * the learned mix) the coefficient weights {@code [2, D]} and its bias {@code [2]} ({@code moe.coefficient_bias});
     * null otherwise.
     */
    record Moe(float[] router, Mlp[] experts, Mlp shared, float[] coefficient, float[] coefficientBias) {
    }

    /**
     * One transformer block; exactly one of {@code mlp} and {@code moe} is non-null. {@code qkvBias} is
     * {@code [D + 2·KV·hd]} (q, k, v biases) for models with {@code attention_bias}, else null.
     */
    record Layer(Norm attnNorm, float[] qkv, float[] qkvBias, float[] o, Norm mlpNorm, Mlp mlp, Moe moe) {
    }

    private final ModelConfig config;
    private final Kernels kernels;
    private final float[] embed; // [V, D]
    private final float[] positions; // [S, D], null for rotary models
    private final Layer[] layers;
    private final Norm finalNorm;
    private final float[] head; // [V, D] packed

    private DecoderWeights(ModelConfig config, Kernels kernels, float[] embed, float[] positions, Layer[] layers,
                           Norm finalNorm, float[] head) {
        this.config = config;
        this.kernels = kernels;
        this.embed = embed;
        this.positions = positions;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.head = head;
    }

    /** Copies the current parameters of {@code model}. Later training of the model does not change this copy. */
    public static DecoderWeights of(TransformerModel model) {
        return of(model.config(), model.parameters());
    }

    /**
     * Copies {@code params} (HF names, as {@link TransformerModel#parameters()} gives them) for {@code config}. Every
     * parameter of the architecture must be present with its shape, and no other: a model with adapter weights (LoRA,
     * SMT) must have them merged into its base weights first.
     */
    public static DecoderWeights of(ModelConfig config, Map<String, INDArray> params) {
        return of(config, params, Kernels.best());
    }

    /** As {@link #of(ModelConfig, Map)}, laid out for {@code kernels}. */
    static DecoderWeights of(ModelConfig config, Map<String, INDArray> params, Kernels kernels) {
        Runtime rt = Runtime.getRuntime();
        requireHeapFor(config, params, rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()), rt.maxMemory());
        ParameterSource source = new ParameterSource(params);
        DecoderWeights weights = build(config, new Reader(config, source, kernels), kernels);
        source.requireAllRead();
        return weights;
    }

    /**
     * Weights of {@code config}'s shapes drawn uniformly from [−0.5, 0.5) with {@code seed}, for {@code kernels}: for
     * warming up the JIT ({@link DecoderWarmUp}) without touching ND4J.
     */
    static DecoderWeights random(ModelConfig config, Kernels kernels, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Source source = (name, shape) -> {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            float[] a = new float[Math.toIntExact(n)];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rng.nextDouble() - 0.5);
            }
            return a;
        };
        return build(config, new Reader(config, source, kernels), kernels);
    }

    private static DecoderWeights build(ModelConfig config, Reader r, Kernels kernels) {
        int d = config.dim();
        int v = config.vocabSize();
        float[] embed = r.tensor(ParameterNames.EMBED, v, d);
        float[] positions = config.positions().equals("learned")
                ? r.tensor(ParameterNames.POSITIONS, config.maxSeqLen(), d) : null;
        List<Integer> moeLayers = config.moeLayers();
        Layer[] layers = new Layer[config.nLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = ParameterNames.layer(i);
            float[] qkv = kernels.pack(concat(r.tensor(ParameterNames.attn(i, "q"), d, d),
                    r.tensor(ParameterNames.attn(i, "k"), config.kvDim(), d),
                    r.tensor(ParameterNames.attn(i, "v"), config.kvDim(), d)), d + 2 * config.kvDim(), d);
            float[] qkvBias = config.attentionBias() ? concat(r.tensor(ParameterNames.attnBias(i, "q"), d),
                    r.tensor(ParameterNames.attnBias(i, "k"), config.kvDim()),
                    r.tensor(ParameterNames.attnBias(i, "v"), config.kvDim())) : null;
            float[] o = r.matrix(ParameterNames.attn(i, "o"), d, d);
            Norm attnNorm = r.norm(p + "input_layernorm");
            Norm mlpNorm = r.norm(p + "post_attention_layernorm");
            if (moeLayers.contains(i)) {
                layers[i] = new Layer(attnNorm, qkv, qkvBias, o, mlpNorm, null, moe(r, config, i));
            } else {
                int layer = i;
                Mlp mlp = r.mlp(s -> ParameterNames.mlp(layer, s), config.hiddenDim());
                layers[i] = new Layer(attnNorm, qkv, qkvBias, o, mlpNorm, mlp, null);
            }
        }
        Norm finalNorm = r.norm(ParameterNames.FINAL_NORM);
        float[] head = config.tieEmbeddings() ? kernels.pack(embed, v, d) : r.matrix(ParameterNames.LM_HEAD, v, d);
        return new DecoderWeights(config, kernels, embed, positions, layers, finalNorm, head);
    }

    /**
     * The copy lives on the Java heap (the model's own arrays are off-heap): fails with a clear message, before
     * copying, when the heap cannot hold it (with a tied head's packed copy and a margin for the per-layer packing).
     */
    static void requireHeapFor(ModelConfig config, Map<String, INDArray> params, long free, long maxHeap) {
        long floats = 0;
        for (INDArray a : params.values()) {
            floats += a.length();
        }
        if (config.tieEmbeddings()) {
            floats += (long) config.vocabSize() * config.dim();
        }
        long need = floats * Float.BYTES * 5 / 4;
        if (need > free) {
            throw new IllegalStateException(String.format("decoding needs about %d MB of Java heap for a copy of the"
                    + " weights, but only %d MB are free (max heap %d MB); raise the heap, e.g. SINTER_HEAP=%dg"
                    + " for bin/sinter (java -Xmx…)", need >> 20, free >> 20, maxHeap >> 20,
                    Math.max(2, (maxHeap + need) / (1L << 30) + 1)));
        }
    }

    private static Moe moe(Reader r, ModelConfig config, int i) {
        int d = config.dim();
        int e = config.expertsAt(i);
        int hid = config.expertHiddenDim();
        float[] router = r.matrix(MoeNames.router(i), e, d);
        Mlp[] experts = new Mlp[e];
        for (int j = 0; j < e; j++) {
            int expert = j;
            experts[j] = r.mlp(s -> MoeNames.expert(i, expert, s), hid);
        }
        MoeConfig moe = config.moe();
        Mlp shared = moe.residual() ? r.mlp(s -> MoeNames.shared(i, s), hid) : null;
        float[] coefficient = moe.learnedMix() ? r.matrix(MoeNames.coefficient(i), 2, d) : null;
        float[] coefficientBias = moe.coefficientBias() ? r.tensor(MoeNames.coefficientBias(i), 2) : null;
        return new Moe(router, experts, shared, coefficient, coefficientBias);
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Where the named tensors come from: row-major values of the given shape. */
    private interface Source {
        float[] tensor(String name, long... shape);
    }

    /** A model's parameters, checking shapes and which names were used. */
    private static final class ParameterSource implements Source {
        private final Map<String, INDArray> params;
        private final Set<String> read = new HashSet<>();

        ParameterSource(Map<String, INDArray> params) {
            this.params = params;
        }

        @Override
        public float[] tensor(String name, long... shape) {
            INDArray a = params.get(name);
            if (a == null) {
                throw new IllegalArgumentException("decoder weights: missing parameter '" + name
                        + "' for this model config; pass the parameters of a model built from the same config");
            }
            if (!Arrays.equals(a.shape(), shape)) {
                throw new IllegalArgumentException("decoder weights: parameter '" + name + "' has shape "
                        + Arrays.toString(a.shape()) + ", expected " + Arrays.toString(shape));
            }
            read.add(name);
            return a.castTo(DataType.FLOAT).dup('c').reshape(a.length()).toFloatVector();
        }

        void requireAllRead() {
            for (String name : params.keySet()) {
                if (!read.contains(name)) {
                    throw new IllegalArgumentException("decoder weights: parameter '" + name + "' is not part of the"
                            + " plain transformer the decoder runs (an adapter?); merge adapters into the base weights"
                            + " before decoding");
                }
            }
        }
    }

    /** Reads the tensors of one architecture from a {@link Source}, packing matrices for the kernels. */
    private static final class Reader {
        private final ModelConfig config;
        private final Source source;
        private final Kernels kernels;

        Reader(ModelConfig config, Source source, Kernels kernels) {
            this.config = config;
            this.source = source;
            this.kernels = kernels;
        }

        /** A {@code [rows, cols]} matrix, packed for the kernels. */
        float[] matrix(String name, int rows, int cols) {
            return kernels.pack(tensor(name, rows, cols), rows, cols);
        }

        Norm norm(String prefix) {
            int d = config.dim();
            float[] w = tensor(prefix + ".weight", d);
            float[] b = config.norm().equals("layernorm") ? tensor(prefix + ".bias", d) : null;
            return new Norm(w, b);
        }

        Mlp mlp(java.util.function.UnaryOperator<String> names, int hid) {
            int d = config.dim();
            float[] up = tensor(names.apply("up"), hid, d);
            float[] gateUp = config.mlp().equals("swiglu")
                    ? kernels.pack(concat(tensor(names.apply("gate"), hid, d), up), 2 * hid, d)
                    : kernels.pack(up, hid, d);
            return new Mlp(gateUp, matrix(names.apply("down"), d, hid), hid);
        }

        /** The tensor's values in row-major order. */
        float[] tensor(String name, long... shape) {
            return source.tensor(name, shape);
        }
    }

    /** The architecture these weights belong to. */
    public ModelConfig config() {
        return config;
    }

    Kernels kernels() {
        return kernels;
    }

    float[] embed() {
        return embed;
    }

    float[] positions() {
        return positions;
    }

    /** The number of transformer blocks. */
    int layers() {
        return layers.length;
    }

    Layer layer(int i) {
        return layers[i];
    }

    Norm finalNorm() {
        return finalNorm;
    }

    float[] head() {
        return head;
    }
}
