package dev.sinter.encoders.continual;

import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.BertNames;
import dev.sinter.encoders.EncodedBatch;
import dev.sinter.encoders.EncoderConfig;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.prompt.PrefixPrompts;
import dev.sinter.models.transformer.LinearLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A frozen BERT encoder with {@link PrefixPrompts} and one linear head over every class seen so far, as the prompt
 * learners train it: {@code logits = pooled · Wᵀ + b + mask} where the {@link #LOGIT_MASK} placeholder {@code [B, C]}
 * is 0 for the classes an example may take and masked otherwise (DualPrompt's train_mask while training: only the
 * current task's classes; all seen classes at inference); the loss is the mean cross-entropy over those logits. Only
 * the prompt prefixes and the head train; the backbone's weights are loaded once and never change.
 */
public final class PromptedClassifier implements TrainableModel {
    public static final String HEAD_WEIGHT = "continual.head.weight"; // [C, D]
    public static final String HEAD_BIAS = "continual.head.bias"; // [C]
    public static final String LOGIT_MASK = "continual.logit_mask"; // [B, C]
    public static final String LOGITS = "continual.logits"; // [B, C]
    public static final String LOSS = "continual.loss";
    private static final double MASKED = -1e9;

    private final BertEncoder encoder;
    private final PrefixPrompts prompts;
    private final int classes;
    private EncodedBatch examples;
    private int[] labels;
    private int[] sets;
    private boolean[] allowed;

    /**
     * Builds the graph with {@code prompts.sets()} zero prompt sets and a zero head of {@code classes} rows, and loads
     * the frozen backbone {@code backbone} (every encoder parameter).
     */
    public PromptedClassifier(EncoderConfig cfg, DataType dtype, PrefixPrompts prompts, int classes,
                       Map<String, INDArray> backbone) {
        if (classes < 1) {
            throw new IllegalArgumentException("the head needs at least one class, got " + classes);
        }
        this.prompts = prompts;
        this.classes = classes;
        this.encoder = BertEncoder.create(cfg, 0, dtype, 0, LinearLayer.DENSE, prompts);
        encoder.loadParameters(backbone, "the frozen backbone");
        SameDiff sd = encoder.graph();
        SDVariable pooled = sd.getVariable(BertEncoder.POOLED); // [B, D]
        SDVariable w = sd.var(HEAD_WEIGHT, Nd4j.zeros(dtype, classes, cfg.dim()));
        SDVariable b = sd.var(HEAD_BIAS, Nd4j.zeros(dtype, classes));
        SDVariable mask = sd.placeHolder(LOGIT_MASK, dtype, -1, classes); // [B, C]
        SDVariable labelIds = sd.placeHolder(BertEncoder.LABELS, DataType.INT, -1); // [B]
        SDVariable logits = sd.mmul(pooled, w, false, true, false).add(b).add(LOGITS, mask); // [B, C]
        SDVariable oneHot = sd.oneHot(labelIds, classes, -1, 1.0, 0.0, dtype); // [B, C]
        // cross-entropy as logsumexp − gold logit: a log-softmax would give log(0) = −inf at masked classes, × 0 = NaN
        SDVariable max = logits.max(true, 1); // [B, 1]
        SDVariable lse = sd.math().log(sd.math().exp(logits.sub(max)).sum(1)).add(sd.reshape(max, -1)); // [B]
        sd.mean(LOSS, lse.sub(logits.mul(oneHot).sum(1))); // scalar
        sd.setLossVariables(LOSS);
    }

    public PrefixPrompts prompts() {
        return prompts;
    }

    public int classes() {
        return classes;
    }

    public int dim() {
        return encoder.config().dim();
    }

    @Override
    public SameDiff graph() {
        return encoder.graph();
    }

    @Override
    public String lossName() {
        return LOSS;
    }

    /** The trainable variables: every prefix, then the head. */
    @Override
    public List<String> parameterNames() {
        List<String> out = new ArrayList<>(prompts.parameterNames());
        out.add(HEAD_WEIGHT);
        out.add(HEAD_BIAS);
        return out;
    }

    /**
     * The examples the training loop's windows index (a window's first element is the row), each with its label, its
     * prompt set and the classes its logits may take.
     */
    public void feed(EncodedBatch examples, int[] labels, int[] sets, boolean[] allowed) {
        this.examples = examples;
        this.labels = labels.clone();
        this.sets = sets.clone();
        this.allowed = allowed.clone();
    }

    @Override
    public Map<String, INDArray> trainingPlaceholders(int[][] windows) {
        int[] rows = new int[windows.length];
        for (int i = 0; i < windows.length; i++) {
            rows[i] = windows[i][0];
        }
        return placeholders(examples.select(rows), pick(labels, rows), pick(sets, rows), allowed);
    }

    /** The graph's placeholders for {@code batch} with the given labels, prompt sets and allowed classes. */
    public Map<String, INDArray> placeholders(EncodedBatch batch, int[] labelIds, int[] setIds, boolean[] allowedClasses) {
        if (allowedClasses.length != classes) {
            throw new IllegalArgumentException(allowedClasses.length + " class flags for a head of " + classes);
        }
        Map<String, INDArray> ph = batch.placeholders(encoder.dataType());
        ph.put(BertEncoder.LABELS, Nd4j.createFromArray(labelIds));
        ph.put(PrefixPrompts.PROMPT_SET, Nd4j.createFromArray(setIds));
        double[][] mask = new double[batch.batchSize()][classes];
        for (double[] row : mask) {
            for (int c = 0; c < classes; c++) {
                row[c] = allowedClasses[c] ? 0 : MASKED;
            }
        }
        ph.put(LOGIT_MASK, Nd4j.createFromArray(mask).castTo(encoder.dataType()));
        return ph;
    }

    /** Named outputs of one forward pass (labels are only read by the loss). */
    public Map<String, INDArray> output(EncodedBatch batch, int[] setIds, boolean[] allowedClasses, String... names) {
        Map<String, INDArray> out = PooledExecution.output(graph(),
                placeholders(batch, new int[batch.batchSize()], setIds, allowedClasses), List.of(names));
        Map<String, INDArray> copies = new LinkedHashMap<>();
        out.forEach((k, v) -> copies.put(k, v.dup()));
        return copies;
    }

    /** The gradients of the loss with respect to the prefix parameters (copies). */
    public Map<String, INDArray> promptGradients(EncodedBatch batch, int[] labelIds, int[] setIds, boolean[] allowedClasses) {
        var r = PooledExecution.gradients(graph(), placeholders(batch, labelIds, setIds, allowedClasses),
                List.of(LOSS), prompts.parameterNames());
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : prompts.parameterNames()) {
            out.put(name, r.getGradients().get(name).dup());
        }
        return out;
    }

    /**
     * The graph output {@code output} ({@code [B·T, D]}: a layer's input, queries or output, {@link BertNames}) at
     * the real tokens of {@code batch}, with each example's prompt set active: {@code [n_tokens, D]}.
     */
    public INDArray tokenRows(EncodedBatch batch, int[] setIds, String output) {
        INDArray x = output(batch, setIds, new boolean[classes], output).get(output); // [B·T, D]
        List<Long> real = new ArrayList<>();
        int t = batch.length();
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int j = 0; j < t; j++) {
                if (batch.attentionMask()[b][j] == 1) {
                    real.add((long) b * t + j);
                }
            }
        }
        long[] rows = real.stream().mapToLong(Long::longValue).toArray();
        return x.get(NDArrayIndex.indices(rows), NDArrayIndex.all()).dup();
    }

    /** The live variable {@code name}. */
    public INDArray variable(String name) {
        return graph().getVariable(name).getArr();
    }

    private static int[] pick(int[] values, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = values[rows[i]];
        }
        return out;
    }
}
