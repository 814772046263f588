package dev.sinter.models.transformer;

import java.util.Arrays;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Several dense projections of one input as one product: {@code x · [W1; W2; …]ᵀ}, split into {@code x·W1ᵀ, x·W2ᵀ, …}
 * afterwards. The weights stay separate variables with their HF names (checkpoints, adapters and analyses see no
 * change); the graph concatenates them on every pass, and autodiff splits the gradient of the concatenation back
 * into one gradient per weight. For q, k and v at 2048 tokens the larger product, split included, takes 19% less time
 * than three (d256; 3% with GQA, whose unequal parts need the slower {@code split_v}) and the graph has four ops
 * fewer per layer ({@code bench/README.md}, "Fewer, larger GEMMs").
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
        int n = weights.size();
        int[] sizes = new int[n];
        for (int j = 0; j < n; j++) {
            sizes[j] = Math.toIntExact(weights.get(j).getArr().size(0));
        }
        SDVariable w = sd.concat(0, weights.toArray(new SDVariable[0])); // [Σ out_j, in]
        SDVariable y = sd.mmul(x, w, false, true, false); // [N, Σ out_j]
        boolean equal = Arrays.stream(sizes).allMatch(s -> s == sizes[0]);
        SDVariable[] parts = equal ? sd.split(y, n, 1) // split_v has no stock gradient: SplitVWithGradient
                : sd.splitV(y, sd.constant(Nd4j.createFromArray(sizes)), n, 1);
        return List.of(parts); // [N, out_j] each
    }
}
