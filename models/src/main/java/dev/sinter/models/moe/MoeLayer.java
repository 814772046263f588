package dev.sinter.models.moe;

import dev.sinter.framework.samediff.KernelExecutioner;
import dev.sinter.framework.samediff.ScaledGatherOp;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.models.transformer.RowScale;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One MoE feed-forward block as a SameDiff graph (DeepSpeed {@code MOELayer} + {@code TopKGate}, papers.md §3.4).
 *
 * <p>Compute per token scales with k·capacity_factor, not with E: tokens are dispatched into an {@code [E·C, D]}
 * buffer (E·C ≈ k·cf·N rows), every expert runs only on its C rows, and each token reads its own row back.
 * <ol>
 *   <li>RTS (top-1 only, as DeepSpeed: its {@code top2gating} keeps the first tokens in row order): the
 *       {@code token_order} placeholder is a random permutation that decides which tokens claim expert slots first, so
 *       "first come" in that order is DeepSpeed's "keep the top-C tokens by uniform priority"; only the gating's
 *       integer queue positions follow it, the activations stay in token order;</li>
 *   <li>router {@code logits = (h ⊙ jitter) · Wgᵀ} and {@link MoeGating} give each token a slot and a weight; the
 *       {@link MoeNames#TOKEN_MASK} placeholder (shared by all MoE layers) keeps padding out of routing and capacity,
 *       so a padded position gets no expert output;</li>
 *   <li>dispatch: the slot → token map is built with {@code scatterAdd} of token ids (integer bookkeeping), then
 *       {@code gather(h, slotToken)} (the patched gather, whose gradient is a scatter-add into zeros);</li>
 *   <li>experts ({@link MoeExperts}): each expert's weights (HF names) multiply its own C rows of the
 *       {@code [E·C, D]} buffer, one grouped op per projection;</li>
 *   <li>combine: {@code gather(y, slot) · weight} per choice (one {@link ScaledGatherOp}); a dropped token gets 0;</li>
 *   <li>Residual MoE: {@code c₀·moe + c₁·dense} with {@code c = softmax(h · Wcᵀ + b)} (DeepSpeed; the bias {@code b}
 *       with {@code moe.coefficient_bias}, else none) or {@code moe + dense}.</li>
 * </ol>
 */
public final class MoeLayer {
    /** What the block needs from the model builder. */
    public interface Context {
        /** Registers a fresh parameter {@code [out, in]} ~ N(0, std). */
        SDVariable weight(String name, double std, int out, int in);

        /**
         * Registers an expert's fresh parameter {@code [out, in]} ~ N(0, std) and returns the weight it computes with
         * (a fine-tuning method's adapted form); default: the parameter itself.
         */
        default SDVariable expertWeight(String name, double std, int out, int in) {
            return weight(name, std, out, in);
        }

        /** The MLP nonlinearity on hidden pre-activations: SwiGLU {@code gate·σ(gate)·up}, or GELU(up) with gate null. */
        SDVariable activate(SDVariable gate, SDVariable up);

        /** Registers a fresh bias parameter {@code [n]}, initialised to 0. */
        SDVariable bias(String name, int n);

        /** A shape vector from [1]-LONG variables and fixed sizes. */
        SDVariable shape(Object... dims);
    }

    private MoeLayer() {
    }

    /**
     * @param h            normalised input {@code [N, D]}
     * @param dense        the Residual MoE's dense MLP output {@code [N, D]} (null when not residual)
     * @param initStd      std of router, gate/up and coefficient weights
     * @param residualStd  std of the experts' down projections
     * @return the block output {@code [N, D]}, named {@link MoeNames#output}
     */
    public static SDVariable build(SameDiff sd, Context ctx, ModelConfig cfg, int i, SDVariable h, SDVariable dense,
                                   double initStd, double residualStd) {
        MoeConfig moe = cfg.moe();
        int e = cfg.expertsAt(i);
        int d = cfg.dim();
        int hid = cfg.expertHiddenDim();
        DataType dt = h.dataType();
        boolean swiglu = cfg.mlp().equals("swiglu");
        String p = MoeNames.mlp(i);

        SDVariable order = moe.randomTokenSelection() ? sd.placeHolder(MoeNames.tokenOrder(i), DataType.INT, -1) : null;
        SDVariable tokenMask = sd.hasVariable(MoeNames.TOKEN_MASK) ? sd.getVariable(MoeNames.TOKEN_MASK)
                : sd.placeHolder(MoeNames.TOKEN_MASK, dt, -1); // [N] 1 = real token, 0 = padding
        SDVariable x = h; // [N, D]
        SDVariable routerIn = moe.jitter() > 0 ? x.mul(sd.placeHolder(MoeNames.jitter(i), dt, -1, d)) : x;
        SDVariable logits = sd.mmul(routerIn, ctx.weight(MoeNames.router(i), initStd, e, d), false, true, false);
        SDVariable capacity = moe.dropTokens() ? sd.placeHolder(MoeNames.capacity(i), DataType.INT, 1) : null;
        SDVariable gumbel = moe.topK() == 2 ? sd.placeHolder(MoeNames.gumbel(i), dt, -1, e) : null;
        MoeGating.Result g = MoeGating.build(sd, p, logits, tokenMask, order, e, moe.topK(), capacity,
                gumbel);

        // slot → token (+1; 0 = empty slot) by scattering token ids; integer bookkeeping, no gradient
        SDVariable tokenIds = sd.cumsum(g.weight1().mul(0.0).add(1.0), false, false, 0); // [N] 1..N
        SDVariable capL = g.capacity().castTo(DataType.LONG); // [1] C
        SDVariable slotTokens = sd.scatterAdd(sd.fill(capL.mul(e), dt, 0.0), g.slot1(),
                tokenIds.mul(g.weight1().gt(0.0).castTo(dt)));
        if (g.slot2() != null) {
            slotTokens = sd.scatterAdd(slotTokens, g.slot2(), tokenIds.mul(g.weight2().gt(0.0).castTo(dt)));
        }
        // empty slots compute token 0 and are never read back
        SDVariable slotToken = sd.identity(MoeNames.slotTokens(i), slotTokens); // [E·C]
        SDVariable slotIdx = sd.nn().relu(slotToken.sub(1.0), 0).castTo(DataType.INT); // [E·C]
        SDVariable rows = sd.gather(x, slotIdx, 0); // [E·C, D]
        SDVariable y = MoeExperts.apply(sd, ctx, i, e, d, hid, swiglu, initStd, residualStd, rows, capL); // [E·C, D]

        // [N, D]: each token's expert output times its gate
        SDVariable out = combine(sd, y, g.slot1(), g.weight1(), d);
        if (g.slot2() != null) {
            out = out.add(combine(sd, y, g.slot2(), g.weight2(), d));
        }
        if (dense != null) {
            if (moe.residualMix().equals(MoeConfig.MIX_LEARNED)) {
                SDVariable z = sd.mmul(h, ctx.weight(MoeNames.coefficient(i), initStd, 2, d), false, true, false);
                if (moe.coefficientBias()) {
                    z = z.add(ctx.bias(MoeNames.coefficientBias(i), 2)); // [N, 2] + [2]
                }
                SDVariable c = sd.nn().softmax(z, 1); // [N, 2]
                SDVariable c0 = c.get(SDIndex.all(), SDIndex.interval(0, 1)); // [N, 1] weight of the experts
                SDVariable c1 = c.get(SDIndex.all(), SDIndex.interval(1, 2)); // [N, 1] weight of the dense MLP
                out = RowScale.apply(sd, out, c0, d).add(RowScale.apply(sd, dense, c1, d));
            } else {
                out = out.add(dense);
            }
        }
        return sd.identity(MoeNames.output(i), out);
    }

    /**
     * {@code [N, D]}: each token's expert output row {@code y[slot[n]]} times its gate {@code weight[n]}, one fused op
     * with the Java kernels, else a gather and a row scaling.
     */
    private static SDVariable combine(SameDiff sd, SDVariable y, SDVariable slot, SDVariable weight, int d) {
        return KernelExecutioner.active() ? ScaledGatherOp.gather(sd, y, slot, weight)
                : RowScale.apply(sd, sd.gather(y, slot, 0), sd.reshape(weight, -1, 1), d);
    }
}
