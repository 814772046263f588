package dev.sinter.eval.quant;

import dev.sinter.eval.superweights.SuperActivationRestore;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.framework.config.UsageException;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-tensor asymmetric INT-b fake quantization of every dense layer's {@code mlp.down_proj} output (papers.md §1.7,
 * W8A8's activation half), built into a copy of the model so any task can score it. MoE layers' outputs (experts,
 * residual MLP) stay unquantized.
 *
 * <p>Naive: {@code lo, hi} = min, max of the whole batch tensor {@code [N, D]}, then round-to-nearest with
 * {@code Δ = (hi − lo)/(2^b − 1)}. Held out: in each super-activation channel (the rows of the given super weights, at
 * their layer), each sequence's largest-|value| token is held out: the range is taken over the other elements, the
 * tensor is quantized, and the held-out elements get their original value back ({@code out = deq ⊙ (1 − M) + y ⊙ M},
 * exact). The paper substitutes the median before quantizing; with at least three elements the median lies within
 * the range of the remaining elements, so taking the range without the held-out elements gives the same Δ, the same
 * offset and therefore the same dequantized values.
 */
public final class ActivationQuantization {
    private static final double BIG = 1e30;

    private ActivationQuantization() {
    }

    /**
     * A copy of {@code model} whose dense layers' down_proj outputs are fake-quantized; {@code holdOut} empty = naive.
     *
     * @throws IllegalArgumentException if a held-out super weight is not in a dense layer's down_proj (the outputs of
     *                                  experts and of the residual MLP are not quantized here)
     */
    public static TransformerModel build(TransformerModel model, int bits, Collection<SuperWeight> holdOut) {
        holdOut.forEach(s -> s.check(model.config()));
        for (SuperWeight s : holdOut) {
            if (s.site() != SuperWeight.Site.DENSE) {
                throw new UsageException(s.coordinate() + ": activation quantization covers the dense layers'"
                        + " down_proj outputs only; hold out super activations of dense layers");
            }
        }
        TransformerModel copy = TransformerModel.create(model.config(), model.dataType(), 0,
                layer(bits, List.copyOf(holdOut), model.dataType(), model.config().dim()));
        copy.loadParameters(model.parameters(), "activation-quantized copy");
        return copy;
    }

    static LinearLayer layer(int bits, List<SuperWeight> holdOut, DataType dtype, int dim) {
        if (bits < 2 || bits > 16) {
            throw new UsageException("activation bits must be in 2..16, got " + bits);
        }
        return (sd, name, x, w) -> {
            SDVariable y = sd.mmul(x, w, false, true, false); // [N, D]
            if (!name.endsWith("mlp.down_proj.weight") || !name.startsWith("model.layers.")) {
                return y;
            }
            Set<Integer> rows = new TreeSet<>();
            for (SuperWeight s : holdOut) {
                if (name.equals(ParameterNames.mlp(s.layer(), "down"))) {
                    rows.add(s.row());
                }
            }
            SDVariable mask = null; // [N, D] 1 at held-out elements
            for (int r : rows) {
                SDVariable er = sd.constant(SuperActivationRestore.oneHot(dtype, dim, r)); // [1, D]
                SDVariable col = sd.mmul(y, er, false, true, false); // [N, 1]
                SDVariable m = sd.mmul(SuperActivationRestore.perSequenceArgmaxMask(sd, col, dtype), er); // [N, D]
                mask = mask == null ? m : mask.add(m);
            }
            return fakeQuantize(sd, y, mask, bits, dtype);
        };
    }

    /** {@code y} fake-quantized per tensor; elements where {@code mask} is 1 keep their value and are out of range. */
    static SDVariable fakeQuantize(SameDiff sd, SDVariable y, SDVariable mask, int bits, DataType dtype) {
        SDVariable lo = mask == null ? y.min() : y.add(mask.mul(BIG)).min();
        SDVariable hi = mask == null ? y.max() : y.sub(mask.mul(BIG)).max();
        double levels = (1 << bits) - 1;
        SDVariable delta = sd.math().max(hi.sub(lo).div(levels), sd.constant(Nd4j.scalar(dtype, Float.MIN_NORMAL)));
        SDVariable clamped = sd.math().min(sd.math().max(y, lo), hi);
        SDVariable q = sd.math().floor(clamped.sub(lo).div(delta).add(0.5));
        SDVariable deq = q.mul(delta).add(lo);
        return mask == null ? deq : deq.mul(mask.rsub(1.0)).add(y.mul(mask));
    }
}
