package dev.sinter.models.transformer;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Several dense projections of one input as one product: {@code x · [W1; W2; …]ᵀ}, split into {@code x·W1ᵀ, x·W2ᵀ, …}
 * afterwards. The weights stay separate variables with their HF names (checkpoints, adapters and analyses see no
 * change); the graph concatenates them on every pass, and autodiff splits the gradient of the concatenation back
 * into one gradient per weight.
 *
 * <p>Only parts of equal width are fused. For q, k and v at 2048 tokens (d256) the one product, split included, takes
 * 19% less time than three, forward and backward, and the graph has four ops fewer per layer. Unequal parts (k and v
 * narrower than q under grouped-query attention) would need M2.1's {@code split_v}, whose column split costs about as
 * much as the larger product saves in training and makes the forward pass slower (6.1 against 5.3 ms per layer of
 * {@code small}), so they stay one product per weight ({@code bench/README.md}, "Fewer, larger GEMMs").
 */
public final class FusedProjection {
    private FusedProjection() {
    }

    /**
     * @param x       input {@code [N, in]}
     * @param weights weight variables {@code [out_j, in]} (with arrays, for their sizes)
     * @return the outputs {@code [N, out_j]}, in the order of {@code weights}
     */
    public static List<SDVariable> apply(SameDiff sd, SDVariable x, List<SDVariable> weights) {
        long out = weights.get(0).getArr().size(0);
        if (weights.stream().anyMatch(w -> w.getArr().size(0) != out)) {
            return weights.stream().map(w -> sd.mmul(x, w, false, true, false)).toList(); // [N, out_j] each
        }
        SDVariable w = sd.concat(0, weights.toArray(new SDVariable[0])); // [n·out, in]
        SDVariable y = sd.mmul(x, w, false, true, false); // [N, n·out]
        return List.of(sd.split(y, weights.size(), 1)); // [N, out] each
    }
}
