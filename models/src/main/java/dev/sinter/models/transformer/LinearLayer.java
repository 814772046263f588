package dev.sinter.models.transformer;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * How the graph builder turns a projection weight into {@code y = x · Wᵀ}. The dense default is one {@code mmul};
 * fine-tuning methods (LoRA adapters, SMT blocks) supply their own form and may add variables named after the
 * weight, e.g. {@code model.layers.0.self_attn.q_proj.lora_A.weight}.
 */
@FunctionalInterface
public interface LinearLayer {
    /** The plain dense projection; projections of one input run as one {@link FusedProjection}. */
    LinearLayer DENSE = new LinearLayer() {
        @Override
        public SDVariable apply(SameDiff sd, String weightName, SDVariable x, SDVariable w) {
            return sd.mmul(x, w, false, true, false);
        }

        @Override
        public List<SDVariable> applyShared(SameDiff sd, List<String> weightNames, SDVariable x,
                                            List<SDVariable> weights) {
            return FusedProjection.apply(sd, x, weights);
        }
    };

    /**
     * @param sd         the graph being built
     * @param weightName HF name of the weight, e.g. {@code model.layers.0.mlp.down_proj.weight}
     * @param x          input {@code [N, in]}
     * @param w          weight variable {@code [out, in]}
     * @return output {@code [N, out]}
     */
    SDVariable apply(SameDiff sd, String weightName, SDVariable x, SDVariable w);

    /**
     * Several projections of the same input (q, k and v of one attention layer). The default applies each through
     * {@link #apply}; a form that can (the dense one, LoRA's base products) runs them as one {@link FusedProjection},
     * with the same result.
     *
     * @param weightNames HF names of the weights, in the order of {@code weights}
     * @param x           input {@code [N, in]}
     * @param weights     weight variables {@code [out_j, in]}
     * @return outputs {@code [N, out_j]}, in the order of {@code weights}
     */
    default List<SDVariable> applyShared(SameDiff sd, List<String> weightNames, SDVariable x,
                                         List<SDVariable> weights) {
        List<SDVariable> out = new ArrayList<>();
        for (int j = 0; j < weights.size(); j++) {
            out.add(apply(sd, weightNames.get(j), x, weights.get(j)));
        }
        return out;
    }

    /**
     * The weight an MoE expert's projection uses in place of its parameter {@code w [out, in]}: experts run as one
     * batched product over stacked weights, so methods adapt them in weight form (LoRA {@code W + s·B·A}, SMT
     * {@code W0 + ΔW(blocks)}). Default: {@code w} itself.
     *
     * @param weightName HF name of the expert's weight, e.g. {@code model.layers.1.mlp.experts.3.up_proj.weight}
     */
    default SDVariable expertWeight(SameDiff sd, String weightName, SDVariable w) {
        return w;
    }
}
