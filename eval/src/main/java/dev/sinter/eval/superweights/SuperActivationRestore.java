package dev.sinter.eval.superweights;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.models.transformer.TransformerModel;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The paper's "Prune SW, +SA" condition (papers.md §1.4) as a model: a copy of the model with its super weights zeroed
 * whose down projection holding each super weight (a dense layer's, or a Residual MoE's dense MLP's) writes the
 * original super activation back, so it can be scored by any task like any other model. Weights inside experts are
 * refused: their down projections are batched over experts and do not pass the per-matrix {@link LinearLayer}.
 *
 * <p>The paper's hook records the original output, recomputes it with the weight zeroed, and overwrites, per batch
 * row, the element of channel {@code row} with the largest |original value|. Since only {@code W[row, col]} changed,
 * the original output is {@code y'[:, row] + x[:, col]·w}; the graph computes that, takes each sequence's argmax token
 * of its |value|, and adds {@code x[t, col]·w} at that one element: {@code y = y' + mask ⊙ (x·c) · e_rowᵀ}. Earlier
 * layers are unchanged; the restored element equals the original to float rounding.
 */
public final class SuperActivationRestore {
    private SuperActivationRestore() {
    }

    /**
     * A new model with {@code model}'s parameters, the super weights zeroed and their activations restored.
     * {@code model} itself is not changed.
     */
    public static TransformerModel build(TransformerModel model, Collection<SuperWeight> sws) {
        sws.forEach(s -> s.check(model.config()));
        for (SuperWeight s : sws) {
            if (s.site() == SuperWeight.Site.EXPERT) {
                throw new UsageException(s.coordinate() + ": restoring a super activation inside an expert is not"
                        + " supported (the experts' down projections run batched, outside the per-matrix hook);"
                        + " prune it without the restore, or name a dense or residual-MLP weight");
            }
        }
        List<SuperWeight> valued = WeightEdit.withCurrentValues(model, sws);
        TransformerModel copy = TransformerModel.create(model.config(), model.dataType(), 0, layer(valued,
                model.dataType(), model.config()));
        copy.loadParameters(model.parameters(), "super-activation restore copy");
        new WeightEdit(copy).prune(valued); // never undone: this copy is the pruned model
        return copy;
    }

    /** The {@link LinearLayer}: dense everywhere, plus the restore at the super weights' down projections. */
    static LinearLayer layer(List<SuperWeight> sws, DataType dtype, ModelConfig cfg) {
        int dim = cfg.dim();
        // matrix -> row -> the super weights feeding that super-activation channel
        Map<String, Map<Integer, List<SuperWeight>>> byMatrix = sws.stream().collect(Collectors.groupingBy(
                SuperWeight::parameter, TreeMap::new, Collectors.groupingBy(SuperWeight::row, TreeMap::new,
                        Collectors.toList())));
        return (sd, name, x, w) -> {
            SDVariable y = sd.mmul(x, w, false, true, false); // [N, D]
            for (Map.Entry<String, Map<Integer, List<SuperWeight>>> e : byMatrix.entrySet()) {
                if (!name.equals(e.getKey())) {
                    continue;
                }
                for (Map.Entry<Integer, List<SuperWeight>> r : e.getValue().entrySet()) {
                    boolean shared = r.getValue().get(0).site() == SuperWeight.Site.SHARED;
                    INDArray c = Nd4j.zeros(dtype, shared ? cfg.expertHiddenDim() : cfg.hiddenDim(), 1);
                    for (SuperWeight sw : r.getValue()) {
                        c.putScalar(sw.col(), 0, sw.value());
                    }
                    SDVariable contrib = sd.mmul(x, sd.constant(c)); // [N, 1] = Σ x[:, col]·w
                    SDVariable er = sd.constant(oneHot(dtype, dim, r.getKey())); // [1, D]
                    SDVariable original = sd.mmul(y, er, false, true, false).add(contrib); // [N, 1]
                    SDVariable mask = perSequenceArgmaxMask(sd, original, dtype); // [N, 1]
                    y = y.add(sd.mmul(contrib.mul(mask), er)); // [N, D]
                }
            }
            return y;
        };
    }

    /** [1, n] with a 1 at {@code k}. */
    public static INDArray oneHot(DataType dtype, int n, int k) {
        INDArray a = Nd4j.zeros(dtype, 1, n);
        a.putScalar(0, k, 1.0);
        return a;
    }

    /**
     * {@code v [N = B·T, 1]} → a 0/1 mask {@code [N, 1]} marking, in each sequence, the token(s) with the largest |v|.
     */
    public static SDVariable perSequenceArgmaxMask(SameDiff sd, SDVariable v, DataType dtype) {
        SDVariable ids = sd.getVariable(TransformerModel.INPUT_IDS);
        SDVariable abs = sd.reshape(sd.math().abs(v), sd.shape(ids)); // [B, T]
        SDVariable diff = abs.sub(abs.max(true, 1)); // [B, T], 0 at each row's max
        return sd.reshape(sd.eq(diff, 0.0).castTo(dtype), -1, 1);
    }
}
