package dev.sinter.trainers.lora;

import dev.sinter.models.transformer.FusedProjection;
import dev.sinter.models.transformer.LinearLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LoRA projection (PEFT semantics): {@code y = x·Wᵀ + (alpha/r)·(drop(x)·Aᵀ)·Bᵀ} for the target weights (chosen by
 * role from the model family's projections), dense otherwise; MoE experts' adapters act in weight form
 * ({@link #expertWeight}).
 * A {@code [r, in]} is Kaiming-uniform (bound 1/√in), B {@code [out, r]} is zero, so training starts at the base
 * model. Adapter names follow PEFT: {@code <module>.lora_A.weight}, {@code <module>.lora_B.weight}. Dropout uses a
 * mask placeholder {@code <module>.lora_dropout_mask} {@code [N, in]} that {@link LoraTrainer} fills.
 */
final class LoraLinearLayer implements LinearLayer {
    /** One adapted projection. */
    record Adapter(String module, String a, String b, String mask, int in, int out) {
    }

    private final LoraTrainerConfig cfg;
    private final Set<String> targetWeights;
    private final SplittableRandom rng;
    private final List<Adapter> adapters = new ArrayList<>();

    /** @param targetWeights the weight names that get adapters */
    LoraLinearLayer(LoraTrainerConfig cfg, long seed, Set<String> targetWeights) {
        this.cfg = cfg;
        this.targetWeights = Set.copyOf(targetWeights);
        this.rng = new SplittableRandom(seed ^ 0x10AAL);
    }

    List<Adapter> adapters() {
        return adapters;
    }

    @Override
    public SDVariable apply(SameDiff sd, String weightName, SDVariable x, SDVariable w) {
        return adapted(sd, weightName, x, w, sd.mmul(x, w, false, true, false));
    }

    /** The frozen base products run as one {@link FusedProjection}; each target then adds its own adapter. */
    @Override
    public List<SDVariable> applyShared(SameDiff sd, List<String> weightNames, SDVariable x, List<SDVariable> weights) {
        List<SDVariable> base = FusedProjection.apply(sd, x, weights);
        List<SDVariable> out = new ArrayList<>();
        for (int j = 0; j < weights.size(); j++) {
            out.add(adapted(sd, weightNames.get(j), x, weights.get(j), base.get(j)));
        }
        return out;
    }

    /** {@code base = x·Wᵀ} plus the adapter's {@code (alpha/r)·(drop(x)·Aᵀ)·Bᵀ} when the weight is a target. */
    private SDVariable adapted(SameDiff sd, String weightName, SDVariable x, SDVariable w, SDVariable base) {
        if (!targetWeights.contains(weightName)) {
            return base; // [N, out]
        }
        String module = weightName.substring(0, weightName.length() - ".weight".length());
        int out = (int) w.getArr().size(0);
        int in = (int) w.getArr().size(1);
        SDVariable va = adapterA(sd, module, w, in); // [r, in]
        SDVariable vb = sd.var(module + ".lora_B.weight", Nd4j.zeros(w.dataType(), out, cfg.rank())); // [out, r]
        String mask = null;
        SDVariable xin = x;
        if (cfg.dropout() > 0) {
            mask = module + ".lora_dropout_mask";
            xin = x.mul(sd.placeHolder(mask, w.dataType(), -1, in)); // [N, in]
        }
        adapters.add(new Adapter(module, va.name(), vb.name(), mask, in, out));
        SDVariable low = sd.mmul(xin, va, false, true, false); // [N, r]
        return base.add(sd.mmul(low, vb, false, true, false).mul(cfg.scale())); // [N, out]
    }

    /**
     * An MoE expert's adapter in weight form, {@code W + (alpha/r)·B·A} (the experts run as one batched product over
     * stacked weights); the same function as the unmerged adapter without dropout, which {@link LoraTrainer} refuses
     * for experts.
     */
    @Override
    public SDVariable expertWeight(SameDiff sd, String weightName, SDVariable w) {
        if (!targetWeights.contains(weightName)) {
            return w;
        }
        String module = weightName.substring(0, weightName.length() - ".weight".length());
        int out = (int) w.getArr().size(0);
        int in = (int) w.getArr().size(1);
        SDVariable va = adapterA(sd, module, w, in); // [r, in]
        SDVariable vb = sd.var(module + ".lora_B.weight", Nd4j.zeros(w.dataType(), out, cfg.rank())); // [out, r]
        adapters.add(new Adapter(module, va.name(), vb.name(), null, in, out));
        return w.add(sd.mmul(vb, va).mul(cfg.scale())); // [out, in]
    }

    /** A {@code [r, in]}, Kaiming-uniform with bound 1/√in (PEFT). */
    private SDVariable adapterA(SameDiff sd, String module, SDVariable w, int in) {
        int r = cfg.rank();
        double bound = 1 / Math.sqrt(in);
        double[] a = new double[r * in];
        for (int i = 0; i < a.length; i++) {
            a[i] = (rng.nextDouble() * 2 - 1) * bound;
        }
        return sd.var(module + ".lora_A.weight", Nd4j.createFromArray(a).reshape(r, in).castTo(w.dataType()));
    }
}
