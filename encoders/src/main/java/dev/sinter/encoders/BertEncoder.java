package dev.sinter.encoders;

import dev.sinter.framework.util.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.family.Projection;
import dev.sinter.models.prompt.AttentionPrefix;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.models.transformer.NormGraphs;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A BERT-style encoder as a SameDiff graph, in the decoder's vocabulary: activations kept 2-D {@code [N = B·T, D]},
 * every linear layer {@code x · Wᵀ + b} with HF BERT names and {@code [out, in]} weights (through a
 * {@link LinearLayer}, so LoRA/SMT forms plug in), post-LayerNorm residual blocks, learned positions and token types,
 * bidirectional attention with the padding mask as an additive {@code [B, 1, 1, T]} bias, exact erf GELU.
 *
 * <p>Placeholders: {@link #INPUT_IDS}, {@link #TOKEN_TYPE_IDS} {@code [B, T]} INT, {@link #ATTENTION_MASK}
 * {@code [B, T]} float (1 real, 0 padding), {@link #POSITION_IDS} {@code [T]} INT; with a classification head also
 * {@link #LABELS} {@code [B]} INT. Outputs: {@link #LAST_HIDDEN_STATE} {@code [B, T, D]}, {@link #POOLED}
 * {@code [B, D]} (mean over real tokens or CLS), {@link #SENTENCE_EMBEDDING} (pooled, L2-normalised), and with a head
 * {@link #LOGITS} {@code [B, C]} and the mean cross-entropy {@link #LOSS}. Intermediates per layer:
 * {@link BertNames#layerInput}, {@link BertNames#downProjInput}, {@link BertNames#downProjOutput},
 * {@link BertNames#layerOutput}. An {@link AttentionPrefix} (prompt prefixes) may extend every layer's keys and values.
 *
 * <p>As a {@link FamilyModel} of the {@link EncoderFamily} it trains on classification examples {@link #feed fed} to
 * it: the loop's windows are example indices (see {@link #indexStream}), a window's first element selects the example.
 */
public final class BertEncoder implements FamilyModel {
    public static final String INPUT_IDS = "input_ids";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String POSITION_IDS = "position_ids";
    public static final String LABELS = "labels";
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    public static final String POOLED = "pooled_output";
    public static final String SENTENCE_EMBEDDING = "sentence_embedding";
    public static final String LOGITS = "logits";
    public static final String LOSS = "loss";
    /** Added to masked attention scores: exp underflows to exactly 0 in fp32, as with HF's finfo.min. */
    private static final double MASKED = -1e9;

    private final EncoderConfig cfg;
    private final int numClasses;
    private final DataType dtype;
    private final SameDiff sd;
    private final List<String> params = new ArrayList<>();
    private final SplittableRandom rng;
    private final LinearLayer linearLayer;
    private final AttentionPrefix prefix;
    private SDVariable batch; // [1] LONG: B
    private SDVariable time; // [1] LONG: T
    private Consumer<Map<String, INDArray>> inferencePlaceholders = ph -> { };
    private EncodedBatch examples;
    private int[] labels;

    private BertEncoder(EncoderConfig cfg, int numClasses, DataType dtype, long seed, LinearLayer linearLayer,
                        AttentionPrefix prefix) {
        this.cfg = cfg;
        this.numClasses = numClasses;
        this.dtype = dtype;
        this.sd = SameDiff.create();
        this.rng = new SplittableRandom(seed);
        this.linearLayer = linearLayer;
        this.prefix = prefix;
    }

    /**
     * Builds an encoder with weights drawn from N(0, 0.02²) (LayerNorms 1/0, biases 0); load pretrained weights with
     * {@link #loadParameters}.
     *
     * @param numClasses classes of the classification head over the pooled output, or 0 for no head
     */
    public static BertEncoder create(EncoderConfig cfg, int numClasses, DataType dtype, long seed,
                                     LinearLayer linearLayer) {
        return create(cfg, numClasses, dtype, seed, linearLayer, AttentionPrefix.NONE);
    }

    /**
     * As {@link #create(EncoderConfig, int, DataType, long, LinearLayer)}, with {@code prefix} prepended to every
     * layer's keys and values (prompt prefixes; their parameters are not among {@link #parameterNames()}).
     */
    public static BertEncoder create(EncoderConfig cfg, int numClasses, DataType dtype, long seed,
                                     LinearLayer linearLayer, AttentionPrefix prefix) {
        if (numClasses < 0 || numClasses == 1) {
            throw new IllegalArgumentException("num_classes must be 0 (no head) or >= 2, got " + numClasses);
        }
        SameDiffRuntime.init();
        BertEncoder e = new BertEncoder(cfg, numClasses, dtype, seed, linearLayer, prefix);
        e.build();
        return e;
    }

    public SameDiff graph() {
        return sd;
    }

    public EncoderConfig config() {
        return cfg;
    }

    public int numClasses() {
        return numClasses;
    }

    @Override
    public DataType dataType() {
        return dtype;
    }

    @Override
    public ModelFamily family() {
        return EncoderFamily.INSTANCE;
    }

    @Override
    public List<Projection> projections() {
        return EncoderFamily.projections(cfg);
    }

    /** The same architecture and head, freshly built with seed 0, fed the same examples. */
    @Override
    public BertEncoder rebuild(LinearLayer linear) {
        BertEncoder e = create(cfg, numClasses, dtype, 0, linear, prefix);
        e.examples = examples;
        e.labels = labels;
        return e;
    }

    /** The classification head (absent from a pretrained base, so it keeps its initialisation when loading one). */
    @Override
    public List<String> headParameters() {
        return numClasses == 0 ? List.of() : List.of(BertNames.CLASSIFIER + ".weight", BertNames.CLASSIFIER + ".bias");
    }

    /** The architecture and head size as JSON under {@link EncoderFamily#CONFIG_KEY} and the family's name. */
    @Override
    public Map<String, String> metadata() {
        try {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(EncoderFamily.FAMILY_KEY, EncoderFamily.NAME);
            m.put(EncoderFamily.CONFIG_KEY, Json.mapper().writeValueAsString(cfg));
            m.put(EncoderFamily.CLASSES_KEY, Integer.toString(numClasses));
            return m;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model's own parameters (HF names, stable order); method-added variables (adapters) are not included. */
    @Override
    public List<String> parameterNames() {
        return List.copyOf(params);
    }

    @Override
    public String lossName() {
        return LOSS;
    }

    /**
     * Sets the classification examples the training loop's windows index ({@link #indexStream}).
     *
     * @param labels one class index per example row
     */
    public void feed(EncodedBatch examples, int[] labels) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("the encoder has no classification head to train");
        }
        if (labels.length != examples.batchSize()) {
            throw new IllegalArgumentException(labels.length + " labels for " + examples.batchSize() + " examples");
        }
        this.examples = examples;
        this.labels = labels.clone();
    }

    /** The token stream of {@code new BatchSampler(indexStream(n), 1, seed)} over n examples: 0, 1, …, n. */
    public static int[] indexStream(int n) {
        int[] s = new int[n + 1];
        for (int i = 0; i <= n; i++) {
            s[i] = i;
        }
        return s;
    }

    /** The fed examples selected by each window's first element, with their labels. */
    @Override
    public Map<String, INDArray> trainingPlaceholders(int[][] windows) {
        if (examples == null) {
            throw new IllegalStateException("no classification examples fed to the encoder; call feed(examples, labels)");
        }
        int[] rows = new int[windows.length];
        int[] y = new int[windows.length];
        for (int i = 0; i < windows.length; i++) {
            rows[i] = windows[i][0];
            y[i] = labels[rows[i]];
        }
        Map<String, INDArray> ph = examples.select(rows).placeholders(dtype);
        ph.put(LABELS, Nd4j.createFromArray(y));
        return ph;
    }

    /** Inference passes ({@link #output}, validation) add what {@code hook} adds (e.g. LoRA's all-ones masks). */
    @Override
    public void setExtraInputs(Consumer<Map<String, INDArray>> hook) {
        this.inferencePlaceholders = hook;
    }

    /** Runs an inference pass on {@code batch} and returns the named outputs. */
    public Map<String, INDArray> output(EncodedBatch batch, String... outputs) {
        Map<String, INDArray> ph = batch.placeholders(dtype);
        inferencePlaceholders.accept(ph);
        return PooledExecution.output(sd, ph, List.of(outputs));
    }

    /** Class probabilities {@code [n, C]} for {@code data}, {@code batch} examples per forward pass. */
    public INDArray probabilities(EncodedBatch data, int batch) {
        List<INDArray> parts = new ArrayList<>();
        for (int i = 0; i < data.batchSize(); i += batch) {
            int[] rows = java.util.stream.IntStream.range(i, Math.min(data.batchSize(), i + batch)).toArray();
            INDArray logits = output(data.select(rows), LOGITS).get(LOGITS); // [b, C]
            parts.add(org.nd4j.linalg.ops.transforms.Transforms.softmax(logits, true));
            SameDiffRuntime.releaseMemory();
        }
        return Nd4j.vstack(parts.toArray(INDArray[]::new));
    }

    private void build() {
        int d = cfg.dim();
        SDVariable ids = sd.placeHolder(INPUT_IDS, DataType.INT, -1, -1); // [B, T]
        SDVariable types = sd.placeHolder(TOKEN_TYPE_IDS, DataType.INT, -1, -1); // [B, T]
        SDVariable mask = sd.placeHolder(ATTENTION_MASK, dtype, -1, -1); // [B, T]
        SDVariable posIds = sd.placeHolder(POSITION_IDS, DataType.INT, -1); // [T]
        SDVariable idsShape = sd.shape(ids).castTo(DataType.LONG);
        batch = sd.stridedSlice(idsShape, new long[]{0}, new long[]{1}, new long[]{1});
        time = sd.stridedSlice(idsShape, new long[]{1}, new long[]{2}, new long[]{1});

        SDVariable word = weight(BertNames.WORD, cfg.vocabSize(), d);
        SDVariable pos = weight(BertNames.POSITION, cfg.maxPositions(), d);
        SDVariable type = weight(BertNames.TOKEN_TYPE, cfg.typeVocabSize(), d);
        SDVariable x = sd.gather(word, sd.reshape(ids, -1), 0).add(sd.gather(type, sd.reshape(types, -1), 0)); // [N, D]
        x = sd.reshape(sd.reshape(x, shape(batch, time, d)).add(sd.gather(pos, posIds, 0)), -1, d); // + [T, D]
        x = layerNorm(BertNames.EMBED_NORM, x);

        // padding mask → additive bias [B, 1, 1, T]: 0 for real keys, MASKED for padding
        SDVariable bias = sd.reshape(mask.rsub(1.0).mul(MASKED), shape(batch, 1, 1, time));
        for (int i = 0; i < cfg.nLayers(); i++) {
            x = sd.identity(BertNames.layerInput(i), x);
            SDVariable attn = attention(i, x, bias);
            x = layerNorm(BertNames.layer(i, BertNames.ATTN_NORM), x.add(attn));
            SDVariable act = sd.identity(BertNames.downProjInput(i),
                    gelu(linear(x, BertNames.layer(i, BertNames.UP), cfg.hiddenDim(), d))); // [N, hidden]
            SDVariable ffn = sd.identity(BertNames.downProjOutput(i),
                    linear(act, BertNames.layer(i, BertNames.DOWN), d, cfg.hiddenDim())); // [N, D]
            x = sd.identity(BertNames.layerOutput(i), layerNorm(BertNames.layer(i, BertNames.OUT_NORM), x.add(ffn)));
        }
        SDVariable h3 = sd.reshape(LAST_HIDDEN_STATE, x, shape(batch, time, d)); // [B, T, D]
        SDVariable pooled;
        if (cfg.pooling() == Pooling.MEAN) {
            SDVariable m3 = sd.expandDims(mask, 2); // [B, T, 1]
            pooled = sd.identity(POOLED, h3.mul(m3).sum(1).div(mask.sum(true, 1))); // [B, D]
        } else {
            // the first token of every row: [B, 1, D] → [B, D]
            SDVariable first = sd.stridedSlice(h3, new long[]{0, 0, 0}, new long[]{0, 1, 0}, new long[]{1, 1, 1},
                    5, 5, 0, 0, 0);
            pooled = sd.reshape(POOLED, first, -1, d);
        }
        SDVariable norm = sd.math().sqrt(pooled.mul(pooled).sum(true, 1)); // [B, 1]
        sd.identity(SENTENCE_EMBEDDING, pooled.div(sd.math().max(norm, sd.constant(Nd4j.scalar(dtype, 1e-12)))));
        if (numClasses > 0) {
            classificationHead(pooled);
        }
    }

    /** logits = pooled · Wᵀ + b; loss = mean cross-entropy (samediff-notes: sparse CE's gradient is wrong). */
    private void classificationHead(SDVariable pooled) {
        SDVariable labels = sd.placeHolder(LABELS, DataType.INT, -1); // [B]
        SDVariable w = weight(BertNames.CLASSIFIER + ".weight", numClasses, cfg.dim());
        SDVariable b = zeros(BertNames.CLASSIFIER + ".bias", numClasses);
        SDVariable logits = sd.mmul(pooled, w, false, true, false).add(LOGITS, b); // [B, C]
        SDVariable oneHot = sd.oneHot(labels, numClasses, -1, 1.0, 0.0, dtype); // [B, C]
        sd.math().neg(LOSS, sd.nn().logSoftmax(logits).mul(oneHot).sum(1).mean());
        sd.setLossVariables(LOSS);
    }

    private SDVariable attention(int i, SDVariable x, SDVariable bias) {
        int d = cfg.dim();
        int h = cfg.nHeads();
        int hd = cfg.headDim();
        SDVariable q = heads(sd.identity(BertNames.query(i), linear(x, BertNames.layer(i, BertNames.QUERY), d, d)));
        // q: [B, H, T, hd]
        SDVariable k = heads(linear(x, BertNames.layer(i, BertNames.KEY), d, d));
        SDVariable v = heads(linear(x, BertNames.layer(i, BertNames.VALUE), d, d));
        AttentionPrefix.Prefixed p = prefix.extend(sd, i, k, v, bias); // keys/values [B, H, P + T, hd]
        SDVariable scores = sd.mmul(q.mul(1.0 / Math.sqrt(hd)), p.keys(), false, true, false)
                .add(p.bias()); // [B, H, T, P + T]
        SDVariable ctx = sd.mmul(sd.nn().softmax(scores, 3), p.values()); // [B, H, T, hd]
        SDVariable merged = sd.reshape(sd.permute(ctx, 0, 2, 1, 3), -1, d); // [B, T, H, hd] → [N, D]
        return linear(merged, BertNames.layer(i, BertNames.ATTN_OUT), d, d);
    }

    /** [N, D] → [B, H, T, hd]. */
    private SDVariable heads(SDVariable x) {
        return sd.permute(sd.reshape(x, shape(batch, time, cfg.nHeads(), cfg.headDim())), 0, 2, 1, 3);
    }

    /** Exact GELU 0.5·x·(1 + erf(x/√2)), from erf (the fused preciseGelu's gradient is approximate). */
    private SDVariable gelu(SDVariable x) {
        return x.mul(0.5).mul(sd.math().erf(x.mul(1 / Math.sqrt(2))).add(1.0));
    }

    /** LayerNorm over the last axis of [N, D], from mean and biased variance. */
    private SDVariable layerNorm(String prefix, SDVariable x) {
        int d = cfg.dim();
        SDVariable w = param(prefix + ".weight", Nd4j.ones(dtype, d));
        return NormGraphs.layerNorm(sd, x, w, zeros(prefix + ".bias", d), d, cfg.layerNormEps());
    }

    /** {@code x · Wᵀ + b} for module {@code name} ({@code name.weight} [out, in], {@code name.bias} [out]). */
    private SDVariable linear(SDVariable x, String name, int out, int in) {
        SDVariable w = weight(name + ".weight", out, in);
        SDVariable b = zeros(name + ".bias", out);
        return linearLayer.apply(sd, name + ".weight", x, w).add(b);
    }

    /** A shape vector from dynamic [1]-LONG pieces (B, T) and fixed sizes. */
    private SDVariable shape(Object... dims) {
        SDVariable[] parts = new SDVariable[dims.length];
        for (int j = 0; j < dims.length; j++) {
            parts[j] = dims[j] instanceof SDVariable s ? s
                    : sd.constant(Nd4j.createFromArray(((Number) dims[j]).longValue()));
        }
        return sd.concat(0, parts);
    }

    private SDVariable weight(String name, int out, int in) {
        float[] data = new float[out * in];
        for (int j = 0; j < data.length; j++) {
            data[j] = (float) (rng.nextGaussian() * 0.02);
        }
        return param(name, Nd4j.create(data, new long[]{out, in}, 'c').castTo(dtype));
    }

    private SDVariable zeros(String name, int n) {
        return param(name, Nd4j.zeros(dtype, n));
    }

    private SDVariable param(String name, INDArray value) {
        params.add(name);
        return sd.var(name, value);
    }
}
