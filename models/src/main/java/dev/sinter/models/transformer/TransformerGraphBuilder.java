package dev.sinter.models.transformer;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.samediff.BiasedSoftmaxOp;
import dev.sinter.framework.samediff.CrossEntropyOp;
import dev.sinter.framework.samediff.KernelExecutioner;
import dev.sinter.framework.samediff.RopeOp;
import dev.sinter.framework.samediff.SwiGluOp;
import dev.sinter.models.moe.MoeLayer;
import dev.sinter.models.moe.MoeNames;
import dev.sinter.models.prompt.AttentionPrefix;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds a decoder-only transformer as a SameDiff graph with HF Llama parameter names and {@code [out, in]} weights.
 *
 * <p>Token activations are kept 2-D, {@code [N = B·T, D]}, so every linear layer is one {@code mmul(x, W, transposeB)}
 * (q, k and v of equal widths together one, over their concatenated weights: {@link LinearLayer#applyShared}); they
 * are reshaped to 4-D only inside attention. Placeholders: see {@link TransformerModel}.
 */
final class TransformerGraphBuilder implements MoeLayer.Context {
    private final ModelConfig cfg;
    private final DataType dtype;
    private final SameDiff sd;
    private final SplittableRandom rng; // null: parameters start as zeros (a loader overwrites them)
    private final LinearLayer linearLayer;
    private final AttentionPrefix prefix;
    private final List<String> params = new ArrayList<>();
    private SDVariable batch; // [1] LONG: B
    private SDVariable time; // [1] LONG: T

    TransformerGraphBuilder(ModelConfig cfg, DataType dtype, long seed, LinearLayer linearLayer) {
        this(cfg, dtype, new SplittableRandom(seed), linearLayer, AttentionPrefix.NONE);
    }

    /** A builder whose weights are zeros, for a model whose every parameter is loaded next. */
    static TransformerGraphBuilder zeroed(ModelConfig cfg, DataType dtype, AttentionPrefix prefix) {
        return new TransformerGraphBuilder(cfg, dtype, null, LinearLayer.DENSE, prefix);
    }

    private TransformerGraphBuilder(ModelConfig cfg, DataType dtype, SplittableRandom rng, LinearLayer linearLayer,
                                    AttentionPrefix prefix) {
        this.cfg = cfg;
        this.dtype = dtype;
        this.sd = SameDiff.create();
        // SameDiff's default ThreadSafeArrayHolder keeps a second copy of every variable and constant (its
        // DeviceLocalNDArray): 440 MB more off-heap at 110M parameters. One thread on one device needs one copy.
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        this.rng = rng;
        this.linearLayer = linearLayer;
        this.prefix = prefix;
    }

    SameDiff graph() {
        return sd;
    }

    List<String> parameterNames() {
        return List.copyOf(params);
    }

    void build() {
        int d = cfg.dim();
        int v = cfg.vocabSize();
        SDVariable ids = sd.placeHolder(TransformerModel.INPUT_IDS, DataType.INT, -1, -1); // [B, T]
        SDVariable labels = sd.placeHolder(TransformerModel.LABELS, DataType.INT, -1, -1); // [B, T]
        SDVariable mask = sd.placeHolder(TransformerModel.ATTENTION_BIAS, dtype, -1, -1); // [g·T, T] additive
        SDVariable idsShape = sd.shape(ids).castTo(DataType.LONG);
        batch = sd.stridedSlice(idsShape, new long[]{0}, new long[]{1}, new long[]{1});
        time = sd.stridedSlice(idsShape, new long[]{1}, new long[]{2}, new long[]{1});

        double residualStd = cfg.initStd() / Math.sqrt(2.0 * cfg.nLayers());
        SDVariable embed = weight(ParameterNames.EMBED, cfg.initStd(), v, d);
        SDVariable x = sd.gather(embed, sd.reshape(ids, -1), 0); // [N, D]
        RopeInputs rope = null;
        if (cfg.positions().equals("rope")) {
            // tables come pre-broadcast to [B, T, heads, hd]: a same-shape multiply's backward is ~2.3× cheaper in
            // ND4J than one that must reduce a broadcast [T, 1, hd] operand (measured, 16 RoPE products per step)
            rope = new RopeInputs(
                    sd.placeHolder(TransformerModel.ROPE_COS, dtype, -1, -1, cfg.nHeads(), cfg.headDim()),
                    sd.placeHolder(TransformerModel.ROPE_SIN, dtype, -1, -1, cfg.nHeads(), cfg.headDim()),
                    sd.placeHolder(TransformerModel.ROPE_COS_KV, dtype, -1, -1, cfg.nKvHeads(), cfg.headDim()),
                    sd.placeHolder(TransformerModel.ROPE_SIN_KV, dtype, -1, -1, cfg.nKvHeads(), cfg.headDim()),
                    KernelExecutioner.active() ? null : sd.constant("rope.swap", new Rope(cfg, dtype).swapMatrix()));
        } else {
            SDVariable posIds = sd.placeHolder(TransformerModel.POSITION_IDS, DataType.INT, -1); // [T]
            SDVariable table = weight(ParameterNames.POSITIONS, cfg.initStd(), cfg.maxSeqLen(), d);
            SDVariable pos = sd.gather(table, posIds, 0); // [T, D]
            x = sd.reshape(sd.reshape(x, shape(batch, time, d)).add(pos), -1, d);
        }

        // the causal bias broadcast once per pass to the scores' shape: adding the [g·T, T] operand in every layer
        // costs a broadcasting add_bp, 5 ms per layer at B=16, T=128, against 0.5 ms for a same-shape one. Zeros plus
        // the bias, because M2.1's broadcast_to takes 38 ms for the same result.
        SDVariable scoresShape = shape(batch, cfg.nKvHeads(), time.mul(cfg.groupSize()), time);
        SDVariable bias = sd.fill(scoresShape, dtype, 0.0).add(mask); // [B, KV, g·T, T]

        List<Integer> moeLayers = cfg.moeLayers();
        SDVariable auxSum = null; // Σ over MoE layers of l_aux
        for (int i = 0; i < cfg.nLayers(); i++) {
            String p = ParameterNames.layer(i);
            SDVariable h = norm(p + "input_layernorm", x);
            SDVariable attn = attention(i, h, bias, rope, residualStd);
            x = x.add(attn);
            SDVariable h2 = norm(p + "post_attention_layernorm", x);
            SDVariable ffn;
            if (moeLayers.contains(i)) {
                SDVariable dense = cfg.moe().residual() ? sharedMlp(i, h2, residualStd) : null;
                ffn = MoeLayer.build(sd, this, cfg, i, h2, dense, cfg.initStd(), residualStd);
                SDVariable aux = sd.getVariable(MoeNames.auxLoss(i));
                auxSum = auxSum == null ? aux : auxSum.add(aux);
            } else {
                ffn = mlp(i, h2, residualStd);
            }
            x = sd.identity(ParameterNames.layerOutput(i), x.add(ffn));
        }
        SDVariable hFinal = sd.identity(ParameterNames.FINAL_HIDDEN, norm(ParameterNames.FINAL_NORM, x)); // [N, D]
        SDVariable head = cfg.tieEmbeddings() ? embed : weight(ParameterNames.LM_HEAD, cfg.initStd(), v, d);
        SDVariable logits2d = sd.mmul(hFinal, head, false, true, false); // [N, V]
        sd.reshape(TransformerModel.LOGITS, logits2d, shape(batch, time, v)); // [B, T, V]

        String ceName = auxSum == null ? TransformerModel.LOSS : MoeNames.CE_LOSS;
        SDVariable ce = crossEntropy(ceName, logits2d, sd.reshape(labels, -1), v); // scalar
        if (auxSum != null) {
            // DeepSpeed: loss = CE + coef · Σ_layers l_aux; the coefficient is a placeholder (0 outside training)
            SDVariable coef = sd.placeHolder(MoeNames.AUX_COEF, dtype, 1);
            ce.add(TransformerModel.LOSS, coef.mul(auxSum).sum());
        }
        sd.setLossVariables(TransformerModel.LOSS);
    }

    /**
     * Mean next-token cross-entropy of logits {@code [N, V]} against labels {@code [N]}: the fused
     * {@link CrossEntropyOp} where Java kernels run, else −mean_n Σ_v onehot ⊙ log_softmax(logits) with an explicit
     * axis so the composed log-softmax gradient applies (libnd4j's softmax_cross_entropy_loss and its gradient take
     * 0.5 s and 0.85 s at N=2048, V=4096; the sparse variant's gradient is N× too large: samediff-notes).
     */
    private SDVariable crossEntropy(String name, SDVariable logits2d, SDVariable labels1d, int v) {
        if (KernelExecutioner.active()) {
            return sd.mean(name, CrossEntropyOp.perRow(sd, logits2d, labels1d)); // [N] → scalar
        }
        SDVariable oneHot = sd.oneHot(labels1d, v, -1, 1.0, 0.0, dtype); // [N, V]
        SDVariable logProbs = new LogSoftMax(sd, logits2d, 1).outputVariable(); // [N, V]
        return sd.math().neg(name, oneHot.mul(logProbs).sum(1).mean());
    }

    /**
     * Rotary tables (pre-broadcast per head count) and the signed pair-swap matrix of the composed form (null with the
     * fused {@link RopeOp}).
     */
    private record RopeInputs(SDVariable cosQ, SDVariable sinQ, SDVariable cosKv, SDVariable sinKv, SDVariable swap) {
    }

    private SDVariable attention(int i, SDVariable h, SDVariable bias, RopeInputs rope, double residualStd) {
        int d = cfg.dim();
        int hd = cfg.headDim();
        int kvh = cfg.nKvHeads();
        int g = cfg.groupSize();
        List<String> roles = List.of("q", "k", "v");
        List<String> names = roles.stream().map(r -> ParameterNames.attn(i, r)).toList();
        int[] outs = {d, cfg.kvDim(), cfg.kvDim()};
        List<SDVariable> weights = new ArrayList<>();
        List<SDVariable> biases = new ArrayList<>();
        for (int j = 0; j < 3; j++) { // parameters in the order q.weight, q.bias, k.weight, …
            weights.add(weight(names.get(j), cfg.initStd(), outs[j], d));
            biases.add(cfg.attentionBias() ? zeros(ParameterNames.attnBias(i, roles.get(j)), outs[j]) : null);
        }
        List<SDVariable> qkv = linearLayer.applyShared(sd, names, h, weights); // one product for q, k and v
        SDVariable q = biased(qkv.get(0), biases.get(0)); // [N, H·hd]
        SDVariable k = biased(qkv.get(1), biases.get(1)); // [N, KV·hd]
        SDVariable v = biased(qkv.get(2), biases.get(2)); // [N, KV·hd]
        SDVariable q4 = sd.reshape(q, shape(batch, time, cfg.nHeads(), hd)); // [B, T, H, hd]
        SDVariable k4 = sd.reshape(k, shape(batch, time, kvh, hd)); // [B, T, KV, hd]
        if (rope != null) {
            q4 = rotate(q4, rope.cosQ(), rope.sinQ(), rope.swap(), cfg.nHeads());
            k4 = rotate(k4, rope.cosKv(), rope.sinKv(), rope.swap(), kvh);
        }
        // GQA: fold the g query heads of each KV head into the time axis (samediff-notes: never sd.repeat)
        SDVariable qf = sd.reshape(sd.permute(sd.reshape(q4, shape(batch, time, kvh, g, hd)), 0, 2, 3, 1, 4),
                shape(batch, kvh, -1, hd)); // [B, KV, g·T, hd]
        SDVariable kf = sd.permute(k4, 0, 2, 1, 3); // [B, KV, T, hd]
        SDVariable vf = sd.permute(sd.reshape(v, shape(batch, time, kvh, hd)), 0, 2, 1, 3); // [B, KV, T, hd]
        // prefix keys/values (prompts) join after RoPE, so they carry no rotation; their bias columns are visible to
        // every query: [B, KV, P + T, hd] and [B, KV, g·T, P + T]
        sd.identity(ParameterNames.queryRows(i), sd.reshape(sd.permute(qf, 0, 2, 1, 3), -1, cfg.kvDim()));
        AttentionPrefix.Prefixed p = prefix.extend(sd, i, kf, vf, bias);
        SDVariable scores = sd.mmul(qf.mul(1.0 / Math.sqrt(hd)), p.keys(), false, true, false); // [B, KV, gT, P + T]
        SDVariable probs = BiasedSoftmaxOp.softmax(sd, scores, p.bias(), 3); // a positive axis for the composed form
        SDVariable ctx = sd.mmul(probs, p.values()); // [B, KV, g·T, hd]
        SDVariable merged = sd.reshape(sd.permute(sd.reshape(ctx, shape(batch, kvh, g, time, hd)), 0, 3, 1, 2, 4),
                -1, d); // [B, T, KV, g, hd] → [N, D]
        return linear(merged, ParameterNames.attn(i, "o"), residualStd, d, d);
    }

    /** {@code y + b} with the bias {@code [out]} broadcast over N, or {@code y} when the model has no attention biases. */
    private static SDVariable biased(SDVariable y, SDVariable bias) {
        return bias != null ? y.add(bias) : y; // [N, out]
    }

    /** x ⊙ cos + (x·R) ⊙ sin on [B, T, heads, hd]: one fused op with the Java kernels, else a swap product. */
    private SDVariable rotate(SDVariable x4, SDVariable cos, SDVariable sin, SDVariable swap, int heads) {
        if (swap == null) {
            return RopeOp.rotate(sd, x4, cos, sin, cfg.ropeStyle().equals("adjacent"));
        }
        int hd = cfg.headDim();
        SDVariable swapped = sd.reshape(sd.mmul(sd.reshape(x4, -1, hd), swap), shape(batch, time, heads, hd));
        return x4.mul(cos).add(swapped.mul(sin));
    }

    private SDVariable mlp(int i, SDVariable h, double residualStd) {
        SDVariable act = sd.identity(ParameterNames.downProjInput(i),
                mlpHidden(h, p -> ParameterNames.mlp(i, p), cfg.hiddenDim()));
        SDVariable out = linear(act, ParameterNames.mlp(i, "down"), residualStd, cfg.dim(), cfg.hiddenDim());
        return sd.identity(ParameterNames.downProjOutput(i), out); // [N, D]
    }

    /** Residual MoE's dense MLP ({@code mlp.shared.*}, one expert's size), through the {@link LinearLayer}. */
    private SDVariable sharedMlp(int i, SDVariable h, double residualStd) {
        int hid = cfg.expertHiddenDim();
        SDVariable act = sd.identity(MoeNames.sharedDownInput(i), mlpHidden(h, p -> MoeNames.shared(i, p), hid));
        return sd.identity(MoeNames.sharedDownOutput(i),
                linear(act, MoeNames.shared(i, "down"), residualStd, cfg.dim(), hid)); // [N, D]
    }

    /** The activated hidden layer {@code [N, hid]} of a dense MLP whose weights are named by {@code names}. */
    private SDVariable mlpHidden(SDVariable h, java.util.function.UnaryOperator<String> names, int hid) {
        int d = cfg.dim();
        // gate and up stay two products: at [2048, 256]·[256, 688]ᵀ one product over both weights saves less than its
        // output split and gradient concatenation cost (bench ProjectionBenchmark: 37.3 against 35.0 ms per layer)
        SDVariable gate = cfg.mlp().equals("swiglu") ? linear(h, names.apply("gate"), cfg.initStd(), hid, d) : null;
        return activate(gate, linear(h, names.apply("up"), cfg.initStd(), hid, d));
    }

    @Override
    public SDVariable activate(SDVariable gate, SDVariable up) {
        return gate != null ? SwiGluOp.swiGlu(sd, gate, up) : gelu(up);
    }

    /**
     * Exact GELU, 0.5·x·(1 + erf(x/√2)) (PyTorch's default). Composed from erf because the fused
     * {@code preciseGelu}'s gradient is off by ~4e-6 relative in a float64 check.
     */
    private SDVariable gelu(SDVariable x) {
        return x.mul(0.5).mul(sd.math().erf(x.mul(1 / Math.sqrt(2))).add(1.0));
    }

    private SDVariable norm(String prefix, SDVariable x) {
        int d = cfg.dim();
        SDVariable w = ones(prefix + ".weight", d);
        if (cfg.norm().equals("rmsnorm")) {
            return NormGraphs.rmsNorm(sd, x, w, d, cfg.normEps());
        }
        return NormGraphs.layerNorm(sd, x, w, zeros(prefix + ".bias", d), d, cfg.normEps());
    }

    /** A fresh projection weight {@code [out, in]} applied as {@code x · Wᵀ} through the {@link LinearLayer}. */
    private SDVariable linear(SDVariable x, String name, double std, int out, int in) {
        return linearLayer.apply(sd, name, x, weight(name, std, out, in));
    }

    /** A shape vector from dynamic [1]-LONG pieces (B, T, or null for -1) and fixed sizes. */
    @Override
    public SDVariable shape(Object... dims) {
        SDVariable[] parts = new SDVariable[dims.length];
        for (int j = 0; j < dims.length; j++) {
            Object o = dims[j];
            if (o instanceof SDVariable s) {
                parts[j] = s;
            } else {
                long val = o == null ? -1 : ((Number) o).longValue();
                parts[j] = sd.constant(Nd4j.createFromArray(val));
            }
        }
        return sd.concat(0, parts);
    }

    @Override
    public SDVariable expertWeight(String name, double std, int out, int in) {
        return linearLayer.expertWeight(sd, name, weight(name, std, out, in));
    }

    @Override
    public SDVariable weight(String name, double std, int out, int in) {
        if (rng == null) {
            return param(name, Nd4j.zeros(dtype, out, in));
        }
        // drawn straight into the off-heap array: no on-heap float[] copy of every matrix (same values, same order)
        INDArray w = Nd4j.createUninitialized(DataType.FLOAT, new long[]{out, in}, 'c'); // [out, in]
        FloatBuffer data = w.data().asNioFloat();
        for (int j = 0, n = out * in; j < n; j++) {
            data.put(j, (float) (rng.nextGaussian() * std));
        }
        return param(name, w.castTo(dtype));
    }

    @Override
    public SDVariable bias(String name, int n) {
        return zeros(name, n);
    }

    private SDVariable ones(String name, int n) {
        return param(name, Nd4j.ones(dtype, n));
    }

    private SDVariable zeros(String name, int n) {
        return param(name, Nd4j.zeros(dtype, n));
    }

    private SDVariable param(String name, INDArray value) {
        params.add(name);
        return sd.var(name, value);
    }
}
