package dev.sinter.models.transformer;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.ModelIO;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.family.Projection;
import dev.sinter.models.moe.MoeInputs;
import dev.sinter.models.moe.MoeNames;
import dev.sinter.models.prompt.AttentionPrefix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A decoder-only transformer: its SameDiff graph, config and parameters, plus the code that feeds it.
 *
 * <p>Placeholders: {@value #INPUT_IDS} {@code [B, T]} int, {@value #LABELS} {@code [B, T]} int (training only),
 * {@value #ATTENTION_BIAS} {@code [g·T, T]} additive causal mask (g = query heads per KV head; row r is query
 * position r mod T), and {@value #ROPE_COS}/{@value #ROPE_SIN} {@code [B, T, H, hd]} and {@value #ROPE_COS_KV}/{@value #ROPE_SIN_KV}
 * {@code [B, T, KV, hd]} (rotary models) or
 * {@value #POSITION_IDS} {@code [T]} (learned positions); a model built with prompt prefixes adds their
 * {@link dev.sinter.models.prompt.PrefixPrompts#PROMPT_SET} {@code [B]}. Outputs: {@value #LOGITS} {@code [B, T, V]},
 * {@value #LOSS} (mean next-token cross-entropy), and the named intermediates of {@link ParameterNames}.
 *
 * <p>MoE models add the placeholders of {@link MoeInputs} (token mask, capacity, routing noise, the load-balancing
 * coefficient; filled here in training or inference mode: every pass but a training step is inference, where no token
 * is dropped and right padding declared by {@code lengths} takes no expert capacity) and the outputs
 * {@code ce_loss}, per MoE layer {@code aux_loss}, {@code expert_counts} and {@code dropped} ({@link MoeNames}); their
 * {@value #LOSS} is CE + coef · Σ l_aux in training and CE otherwise.
 */
public final class TransformerModel implements FamilyModel {
    public static final String INPUT_IDS = "input_ids";
    public static final String LABELS = "labels";
    public static final String ATTENTION_BIAS = "attention_bias";
    public static final String ROPE_COS = "rope_cos";
    public static final String ROPE_SIN = "rope_sin";
    public static final String ROPE_COS_KV = "rope_cos_kv";
    public static final String ROPE_SIN_KV = "rope_sin_kv";
    public static final String POSITION_IDS = "position_ids";
    public static final String LOGITS = "logits";
    public static final String LOSS = "loss";

    private static final double MASKED = -1e9;

    private final ModelConfig config;
    private final DataType dtype;
    private final SameDiff sd;
    private final List<String> parameterNames;
    private final Rope rope;
    private final Map<String, INDArray> constantInputs = new HashMap<>();
    private java.util.function.Consumer<Map<String, INDArray>> extraInputs = ph -> { };
    private final long seed;

    private TransformerModel(ModelConfig config, DataType dtype, SameDiff sd, List<String> parameterNames, long seed) {
        this.config = config;
        this.seed = seed;
        this.dtype = dtype;
        this.sd = sd;
        this.parameterNames = parameterNames;
        this.rope = config.positions().equals("rope") ? new Rope(config, dtype) : null;
    }

    /** Builds a freshly initialised model (weights ~ N(0, init_std), residual projections scaled by 1/√(2L)). */
    public static TransformerModel create(ModelConfig config, DataType dtype, long seed) {
        return create(config, dtype, seed, LinearLayer.DENSE);
    }

    /**
     * Builds a model whose weight matrices are zeros (norm gains and biases as {@link #create}), for a caller that
     * loads every parameter next (checkpoints, HF and llama2.c files): at 110M parameters, drawing the random
     * initialisation that the load overwrites took about 2 s of a 2.9 s HF import.
     */
    public static TransformerModel createForLoading(ModelConfig config, DataType dtype) {
        return createForLoading(config, dtype, AttentionPrefix.NONE);
    }

    /**
     * {@link #createForLoading(ModelConfig, DataType)} with {@code prefix} extending the keys and values of its
     * attention layers (prompt prefixes, {@link dev.sinter.models.prompt.PrefixPrompts} over the KV heads): they join
     * after RoPE and every position sees all prefix columns. The prefix's own variables are not in
     * {@link #parameterNames()}.
     */
    public static TransformerModel createForLoading(ModelConfig config, DataType dtype, AttentionPrefix prefix) {
        SameDiffRuntime.init();
        TransformerGraphBuilder b = TransformerGraphBuilder.zeroed(config, dtype, prefix);
        b.build();
        return new TransformerModel(config, dtype, b.graph(), b.parameterNames(), 0);
    }

    /** Builds a model whose projections are formed by {@code linearLayer} (adapters, sparse blocks). */
    public static TransformerModel create(ModelConfig config, DataType dtype, long seed, LinearLayer linearLayer) {
        SameDiffRuntime.init();
        TransformerGraphBuilder b = new TransformerGraphBuilder(config, dtype, seed, linearLayer);
        b.build();
        return new TransformerModel(config, dtype, b.graph(), b.parameterNames(), seed);
    }

    public ModelConfig config() {
        return config;
    }

    @Override
    public ModelFamily family() {
        return DecoderFamily.INSTANCE;
    }

    @Override
    public List<Projection> projections() {
        return DecoderFamily.projections(config);
    }

    @Override
    public TransformerModel rebuild(LinearLayer linearLayer) {
        return create(config, dtype, 0, linearLayer);
    }

    /** The model config as JSON ({@link ModelIO#metadata}). */
    @Override
    public Map<String, String> metadata() {
        return ModelIO.metadata(config);
    }

    @Override
    public DataType dataType() {
        return dtype;
    }

    @Override
    public SameDiff graph() {
        return sd;
    }

    @Override
    public String lossName() {
        return LOSS;
    }

    @Override
    public List<String> parameterNames() {
        return parameterNames;
    }

    /** Training mode: MoE capacity factor, routing noise keyed by (seed, batch) and the aux-loss coefficient. */
    @Override
    public Map<String, INDArray> trainingPlaceholders(int[][] windows) {
        Map<String, INDArray> ph = batchPlaceholders(windows);
        int n = windows.length * (windows[0].length - 1);
        MoeInputs.add(ph, config, dtype, n, true, seed * 31 + Arrays.deepHashCode(windows));
        return ph;
    }

    /** Inference mode (deterministic MoE routing without dropping, {@value #LOSS} = cross-entropy). */
    @Override
    public Map<String, INDArray> validationPlaceholders(int[][] windows) {
        Map<String, INDArray> ph = batchPlaceholders(windows);
        MoeInputs.add(ph, config, dtype, windows.length * (windows[0].length - 1), false, 0);
        return ph;
    }

    /** Per MoE layer: aux loss, expert counts, dropped assignments. */
    @Override
    public List<String> metricOutputs() {
        List<String> out = new ArrayList<>();
        for (int i : config.moeLayers()) {
            out.addAll(List.of(MoeNames.auxLoss(i), MoeNames.expertCounts(i), MoeNames.dropped(i)));
        }
        return out;
    }

    /**
     * {@code moe_aux_loss} (Σ over layers of l_aux, mean over micro-batches) and, per MoE layer i,
     * {@code moe.{i}.load.{e}} (expert e's share of the layer's assignments), {@code moe.{i}.cv} (coefficient of
     * variation of the load over experts) and {@code moe.{i}.dropped} (fraction of assignments dropped).
     */
    @Override
    public Map<String, Double> stepMetrics(Map<String, INDArray> summed, int microBatches) {
        Map<String, Double> m = new LinkedHashMap<>();
        double aux = 0;
        for (int i : config.moeLayers()) {
            aux += summed.get(MoeNames.auxLoss(i)).getDouble(0) / microBatches;
            double[] counts = summed.get(MoeNames.expertCounts(i)).toDoubleVector();
            double total = Arrays.stream(counts).sum();
            double mean = total / counts.length;
            double var = 0;
            for (int e = 0; e < counts.length; e++) {
                m.put("moe." + i + ".load." + e, counts[e] / total);
                var += (counts[e] - mean) * (counts[e] - mean) / counts.length;
            }
            m.put("moe." + i + ".cv", Math.sqrt(var) / mean);
            m.put("moe." + i + ".dropped", summed.get(MoeNames.dropped(i)).getDouble(0) / total);
        }
        if (!config.moeLayers().isEmpty()) {
            m.put("moe_aux_loss", aux);
        }
        return m;
    }

    private Map<String, INDArray> batchPlaceholders(int[][] windows) {
        int b = windows.length;
        int t = windows[0].length - 1;
        int[][] in = new int[b][t];
        int[][] lab = new int[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(windows[i], 0, in[i], 0, t);
            System.arraycopy(windows[i], 1, lab[i], 0, t);
        }
        Map<String, INDArray> ph = tokenPlaceholders(in);
        ph.put(LABELS, Nd4j.createFromArray(lab));
        return ph;
    }

    /**
     * Placeholders for a forward pass over {@code ids [B][T]} (every row the same length, T ≤ max_seq_len, no
     * padding), with MoE layers in inference mode.
     */
    public Map<String, INDArray> inputPlaceholders(int[][] ids) {
        int[] lengths = new int[ids.length];
        Arrays.fill(lengths, ids[0].length);
        return inputPlaceholders(ids, lengths);
    }

    /**
     * Placeholders for a forward pass over right-padded {@code ids [B][T]} whose row b holds {@code lengths[b]} real
     * tokens, with MoE layers in inference mode: padding takes no expert capacity, so the logits of a row's real
     * positions do not depend on the other rows (attention is causal, so they never depend on the padding).
     *
     * @throws IllegalArgumentException if a length is outside 1..T or there is not one length per row
     */
    public Map<String, INDArray> inputPlaceholders(int[][] ids, int[] lengths) {
        int t = ids[0].length;
        if (lengths.length != ids.length) {
            throw new IllegalArgumentException("got " + lengths.length + " lengths for " + ids.length
                    + " rows of token ids; give one length per row");
        }
        for (int b = 0; b < lengths.length; b++) {
            if (lengths[b] < 1 || lengths[b] > t) {
                throw new IllegalArgumentException("row " + b + ": length " + lengths[b] + " is outside 1.." + t
                        + " (the padded row length); give each row's count of real tokens");
            }
        }
        Map<String, INDArray> ph = tokenPlaceholders(ids);
        MoeInputs.addInference(ph, config, dtype, lengths, t);
        return ph;
    }

    private Map<String, INDArray> tokenPlaceholders(int[][] ids) {
        int t = ids[0].length;
        if (t > config.maxSeqLen()) {
            throw new IllegalArgumentException("sequence of " + t + " tokens exceeds max_seq_len " + config.maxSeqLen());
        }
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(INPUT_IDS, Nd4j.createFromArray(ids));
        int b = ids.length;
        // constant per (B, T) and never written by the graph: built once and reused (fresh arrays cost page faults)
        ph.put(ATTENTION_BIAS, constantInput(ATTENTION_BIAS, b, t, () -> causalBias(t)));
        if (rope != null) {
            ph.put(ROPE_COS, constantInput(ROPE_COS, b, t, () -> Rope.expand(rope.cos(0, t), b, config.nHeads())));
            ph.put(ROPE_SIN, constantInput(ROPE_SIN, b, t, () -> Rope.expand(rope.sin(0, t), b, config.nHeads())));
            ph.put(ROPE_COS_KV, constantInput(ROPE_COS_KV, b, t,
                    () -> Rope.expand(rope.cos(0, t), b, config.nKvHeads())));
            ph.put(ROPE_SIN_KV, constantInput(ROPE_SIN_KV, b, t,
                    () -> Rope.expand(rope.sin(0, t), b, config.nKvHeads())));
        } else {
            int[] pos = new int[t];
            for (int i = 0; i < t; i++) {
                pos[i] = i;
            }
            ph.put(POSITION_IDS, Nd4j.createFromArray(pos));
        }
        extraInputs.accept(ph);
        return ph;
    }

    /**
     * Registers the inference-time values of placeholders that a {@link LinearLayer} added (e.g. LoRA's dropout
     * masks, all ones outside training), so every forward pass through this model can be fed. Training steps may
     * overwrite them afterwards.
     */
    @Override
    public void setExtraInputs(java.util.function.Consumer<Map<String, INDArray>> extraInputs) {
        this.extraInputs = extraInputs;
    }

    /** Logits {@code [B, T, V]} for the given token ids. */
    public INDArray logits(int[][] ids) {
        return PooledExecution.output(sd, inputPlaceholders(ids), List.of(LOGITS)).get(LOGITS);
    }

    /**
     * Logits {@code [B, T, V]} of right-padded rows, row b holding {@code lengths[b]} real tokens; the logits at
     * padded positions are meaningless. See {@link #inputPlaceholders(int[][], int[])}.
     */
    public INDArray logits(int[][] ids, int[] lengths) {
        return PooledExecution.output(sd, inputPlaceholders(ids, lengths), List.of(LOGITS)).get(LOGITS);
    }

    /**
     * Logits {@code [B, T, V]} in an array this model reuses on its next forward pass: read or copy them before
     * calling again. Saves a fresh {@code [B, T, V]} allocation per call (scoring, generation, distillation).
     */
    public INDArray transientLogits(int[][] ids) {
        return PooledExecution.transientOutput(sd, inputPlaceholders(ids), List.of(LOGITS)).get(LOGITS);
    }

    /** {@link #transientLogits(int[][])} for right-padded rows, row b holding {@code lengths[b]} real tokens. */
    public INDArray transientLogits(int[][] ids, int[] lengths) {
        return PooledExecution.transientOutput(sd, inputPlaceholders(ids, lengths), List.of(LOGITS)).get(LOGITS);
    }

    /** Any named outputs (logits, intermediates) from one forward pass. */
    public Map<String, INDArray> forward(int[][] ids, String... outputs) {
        return PooledExecution.output(sd, inputPlaceholders(ids), List.of(outputs));
    }

    /** Mean next-token cross-entropy over windows {@code [B][T+1]} (evaluation mode), without gradients. */
    public double loss(int[][] windows) {
        return PooledExecution.output(sd, validationPlaceholders(windows), List.of(LOSS)).get(LOSS).getDouble(0);
    }

    /** The cached value of a shape-determined input (RoPE tables, causal bias) for batch b and length t. */
    private synchronized INDArray constantInput(String name, int b, int t, Supplier<INDArray> make) {
        String key = name + "/" + b + "/" + t;
        INDArray a = constantInputs.get(key);
        if (a == null) {
            if (constantInputs.size() >= 32) {
                constantInputs.clear(); // many shapes (e.g. scoring): keep the cache small
            }
            a = make.get();
            constantInputs.put(key, a);
        }
        return a;
    }

    private INDArray causalBias(int t) {
        int g = config.groupSize();
        double[][] m = new double[g * t][t];
        for (int r = 0; r < g * t; r++) {
            int pos = r % t;
            for (int s = pos + 1; s < t; s++) {
                m[r][s] = MASKED;
            }
        }
        return Nd4j.createFromArray(m).castTo(dtype);
    }
}
