package dev.sinter.encoders.continual.lm;

import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.prompt.PrefixPrompts;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A frozen causal LM with {@link PrefixPrompts} over its KV heads, as the decoder prompt learners train it: the loss is
 * the model's mean next-token cross-entropy with each window's prompt set active; only the prefixes train. The
 * training loop's windows all use the set given to {@link #train(int)}.
 */
public final class PromptedDecoder implements TrainableModel {
    private final TransformerModel model;
    private final PrefixPrompts prompts;
    private int trainingSet;

    /** Builds the graph with {@code prompts.sets()} zero prompt sets and loads the frozen weights {@code backbone}. */
    public PromptedDecoder(TransformerModel frozen, PrefixPrompts prompts) {
        this.prompts = prompts;
        this.model = TransformerModel.createForLoading(frozen.config(), frozen.dataType(), prompts);
        model.loadParameters(frozen.parameters(), "the frozen decoder");
    }

    public PrefixPrompts prompts() {
        return prompts;
    }

    /** The width of a key prefix row and of the query rows, KV·hd. */
    public int kvDim() {
        return model.config().kvDim();
    }

    /** The set every training window uses from now on. */
    public void train(int set) {
        this.trainingSet = set;
    }

    @Override
    public SameDiff graph() {
        return model.graph();
    }

    @Override
    public String lossName() {
        return TransformerModel.LOSS;
    }

    /** The trainable variables: every prefix. */
    @Override
    public List<String> parameterNames() {
        return prompts.parameterNames();
    }

    @Override
    public Map<String, INDArray> trainingPlaceholders(int[][] windows) {
        return placeholders(windows, filled(windows.length, trainingSet));
    }

    /** The placeholders of windows {@code [B][T+1]} with each window's prompt set (-1: none). */
    public Map<String, INDArray> placeholders(int[][] windows, int[] sets) {
        if (sets.length != windows.length) {
            throw new IllegalArgumentException(sets.length + " prompt sets for " + windows.length + " windows");
        }
        Map<String, INDArray> ph = model.validationPlaceholders(windows);
        ph.put(PrefixPrompts.PROMPT_SET, Nd4j.createFromArray(sets));
        return ph;
    }

    /** Mean next-token cross-entropy over the windows, each with its set. */
    public double loss(int[][] windows, int[] sets) {
        return PooledExecution.output(graph(), placeholders(windows, sets), List.of(TransformerModel.LOSS))
                .get(TransformerModel.LOSS).getDouble(0);
    }

    /** The frozen model's (no prompt) mean-pooled final hidden state of each window's inputs: {@code [B, D]} float64. */
    public INDArray pooledQueries(int[][] windows) {
        INDArray h = output(windows, filled(windows.length, -1), ParameterNames.FINAL_HIDDEN)
                .castTo(DataType.DOUBLE); // [B·T, D]
        int t = windows[0].length - 1;
        return h.reshape(windows.length, t, h.columns()).mean(1); // [B, D]
    }

    /** Layer {@code layer}'s output {@code [B·T, D]} or query rows {@code [B·g·T, KV·hd]} ({@link ParameterNames}). */
    public INDArray output(int[][] windows, int[] sets, String name) {
        return PooledExecution.output(graph(), placeholders(windows, sets), List.of(name)).get(name).dup();
    }

    /** The gradients of the loss with respect to the prefixes (copies), every window with its set. */
    public Map<String, INDArray> promptGradients(int[][] windows, int[] sets) {
        var r = PooledExecution.gradients(graph(), placeholders(windows, sets), List.of(TransformerModel.LOSS),
                prompts.parameterNames());
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : prompts.parameterNames()) {
            out.put(name, r.getGradients().get(name).dup());
        }
        return out;
    }

    /** The live variable {@code name}. */
    public INDArray variable(String name) {
        return graph().getVariable(name).getArr();
    }

    static int[] filled(int n, int value) {
        int[] out = new int[n];
        Arrays.fill(out, value);
        return out;
    }
}
