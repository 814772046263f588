package dev.sinter.models.moe;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DeepSpeed's {@code top1gating}/{@code top2gating} (papers.md §3.4) as SameDiff ops on router logits {@code [N, E]}.
 * Tokens claim expert slots in priority order: row order, or the order given by a permutation (RTS, see
 * {@link MoeLayer}). Only the integer queue positions are computed in that order, so activations never move.
 *
 * <p>For each of the k choices it yields, per token, a slot index into an {@code [E·C]} expert buffer
 * ({@code expert·C + location}) and a combine weight; a dropped assignment has weight 0 and slot 0. Only the weights
 * carry gradient (through the softmax gates); the index arithmetic is integer-valued in floating point.
 *
 * <ul>
 *   <li>gates = softmax(logits); choice 1 = argmax(logits); choice 2 (top-2) = argmax(logits + gumbel) over the
 *       other experts (DeepSpeed's {@code top2_2nd_expert_sampling}). Sinter feeds zero noise outside training,
 *       as DeepSpeed does with {@code top2_2nd_expert_sampling=False}; DeepSpeed's {@code top2gating} samples
 *       whenever that flag is on, in eval mode too, which would make scores random;</li>
 *   <li>location = cumsum(mask) − 1 over tokens in priority order; second choices queue behind all first choices of
 *       an expert;
 *       an assignment is kept when location &lt; C;</li>
 *   <li>top-1 weight = gate of the chosen expert (not renormalised); top-2 weights = kept gates / max(sum, ε);</li>
 *   <li>l_aux = E · Σ_e mean_s(gates[s, e]) · mean_s(mask1[s, e]), before dropping (a training quantity: masked
 *       tokens count in the means as tokens routed nowhere).</li>
 * </ul>
 */
public final class MoeGating {
    /**
     * The gating result; {@code slot2}/{@code weight2} are null for top-1. Slots are INT {@code [N]}, weights
     * {@code [N]}, the capacity C {@code [1]} in the logits' type.
     */
    public record Result(SDVariable slot1, SDVariable weight1, SDVariable slot2, SDVariable weight2,
                         SDVariable auxLoss, SDVariable counts, SDVariable dropped, SDVariable capacity) {
    }

    private MoeGating() {
    }

    /**
     * @param sd       graph
     * @param prefix   output name prefix, e.g. {@code model.layers.1.mlp.}
     * @param logits   router logits {@code [N, E]}
     * @param tokenMask {@code [N]} in the logits' type, 1 for a real token and 0 for padding; null = all real
     * @param order    priority order of the tokens (a permutation of 0..N−1, INT {@code [N]}), or null for row order
     * @param experts  E
     * @param topK     1 or 2
     * @param capacity capacity C as {@code [1]} INT, where 0 means "no dropping" (C = the largest expert load); or
     *                 null for "no dropping" always
     * @param gumbel   noise {@code [N, E]} for the second choice (top-2 only; zeros = plain second-best)
     */
    public static Result build(SameDiff sd, String prefix, SDVariable logits, SDVariable tokenMask, SDVariable order,
                               int experts, int topK, SDVariable capacity, SDVariable gumbel) {
        DataType dt = logits.dataType();
        // [N, E]; one expert's gate is 1 (a softmax over one entry), and M2.1 cannot sum over a size-1 axis, which the
        // composed softmax gradient would do
        SDVariable gates = experts == 1 ? logits.mul(0.0).add(1.0) : sd.nn().softmax(logits, 1);
        SDVariable idx1 = sd.argmax(logits, 1); // [N]
        SDVariable choice1 = sd.oneHot(idx1, experts, -1, 1.0, 0.0, dt); // [N, E]
        SDVariable real = tokenMask == null ? null : sd.reshape(tokenMask, -1, 1); // [N, 1]
        SDVariable mask1 = real == null ? choice1 : choice1.mul(real); // [N, E], padding rows 0
        // Switch/GShard load balance, computed before dropping
        SDVariable aux = sd.identity(prefix + "aux_loss", gates.mean(0).mul(mask1.mean(0)).sum().mul(experts));
        SDVariable loc1 = rowSum(sd, queuePositions(sd, mask1, order), experts); // [N]
        SDVariable counts1 = tokenSum(sd, mask1, experts); // [E]
        SDVariable idx2 = null;
        SDVariable mask2 = null;
        SDVariable loc2 = null;
        SDVariable counts = counts1;
        if (topK == 2) {
            SDVariable others = logits.add(gumbel).sub(choice1.mul(1e9)); // masked_fill(first choice, -inf)
            idx2 = sd.argmax(others, 1);
            SDVariable choice2 = sd.oneHot(idx2, experts, -1, 1.0, 0.0, dt); // [N, E]
            mask2 = real == null ? choice2 : choice2.mul(real);
            // second choices queue behind every first choice of the same expert
            loc2 = rowSum(sd, queuePositions(sd, mask2, order).add(counts1.mul(mask2)), experts);
            counts = counts1.add(tokenSum(sd, mask2, experts));
        }
        sd.identity(prefix + "expert_counts", counts);
        SDVariable cap = capacity(sd, capacity, counts, dt); // [1]
        SDVariable keep1 = keepMask(sd.lt(loc1, cap).castTo(dt), tokenMask); // [N] 1 = kept
        SDVariable g1 = rowSum(sd, gates.mul(mask1), experts).mul(keep1);
        SDVariable kept = keep1.sum();
        SDVariable slot1 = slot(idx1, loc1, keep1, cap, dt);
        SDVariable slot2 = null;
        SDVariable g2 = null;
        if (topK == 2) {
            SDVariable keep2 = keepMask(sd.lt(loc2, cap).castTo(dt), tokenMask);
            g2 = rowSum(sd, gates.mul(mask2), experts).mul(keep2);
            SDVariable denom = sd.math().clipByValue(g1.add(g2), 1.1920929e-7, Double.MAX_VALUE); // torch.finfo(fp32).eps
            g1 = g1.div(denom);
            g2 = g2.div(denom);
            kept = kept.add(keep2.sum());
            slot2 = slot(idx2, loc2, keep2, cap, dt);
        }
        SDVariable assignments = sd.sum(mask1).mul(topK);
        SDVariable dropped = sd.identity(prefix + "dropped", assignments.sub(kept));
        return new Result(slot1, g1, slot2, g2, aux, counts, dropped, cap);
    }

    /**
     * C {@code [1]}: the given capacity, or the largest expert load where it is 0 or absent. For a capacity ≥ 1 the
     * result is {@code capacity + 0}, the same value bit for bit.
     */
    private static SDVariable capacity(SameDiff sd, SDVariable capacity, SDVariable counts, DataType dt) {
        SDVariable largestLoad = sd.max(counts, true, 0); // [1]
        if (capacity == null) {
            return largestLoad;
        }
        SDVariable c = capacity.castTo(dt);
        return c.add(c.eq(0.0).castTo(dt).mul(largestLoad));
    }

    /** Whether each assignment is kept {@code [N]}: within capacity and not padding. */
    private static SDVariable keepMask(SDVariable withinCapacity, SDVariable tokenMask) {
        return tokenMask == null ? withinCapacity : withinCapacity.mul(tokenMask);
    }

    /**
     * Each assignment's place in its expert's queue, {@code cumsum(mask) − 1} counted in priority order and returned
     * in token order; 0 where the mask is 0. {@code [N, E]}.
     */
    private static SDVariable queuePositions(SameDiff sd, SDVariable mask, SDVariable order) {
        SDVariable queued = order == null ? mask : sd.gather(mask, order, 0); // [N, E] rows in priority order
        SDVariable pos = sd.cumsum(queued, false, false, 0).sub(1.0).mul(queued);
        return order == null ? pos : sd.gather(pos, sd.invertPermutation(order), 0);
    }

    /**
     * Σ over the token axis of a 0/1 mask {@code [N, E]}, {@code [E]}, exact in floating point. A zero row is appended
     * first: M2.1's reduce over a size-1 axis throws, and N = 1 is a one-token prompt.
     */
    private static SDVariable tokenSum(SameDiff sd, SDVariable mask, int experts) {
        SDVariable zeroRow = sd.constant(Nd4j.zeros(mask.dataType(), 1, experts)); // [1, E]
        return sd.concat(0, mask, zeroRow).sum(0);
    }

    /** Σ over the expert axis of {@code [N, E]}; a reshape for E = 1 (M2.1's reduce over a size-1 axis throws). */
    private static SDVariable rowSum(SameDiff sd, SDVariable x, int experts) {
        return experts == 1 ? sd.reshape(x, -1) : x.sum(1);
    }

    /** expert·C + location for a kept assignment, 0 for a dropped one (its weight is 0), as INT. */
    private static SDVariable slot(SDVariable idx, SDVariable loc, SDVariable keep, SDVariable cap, DataType dt) {
        return idx.castTo(dt).mul(cap).add(loc).mul(keep).castTo(DataType.INT);
    }
}
