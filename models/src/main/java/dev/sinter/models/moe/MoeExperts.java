package dev.sinter.models.moe;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The experts of one MoE layer on their dispatched rows: expert e's MLP on the C token rows that fill its slots
 * {@code [e·C, (e+1)·C)}, as one 2-D product per expert and projection.
 *
 * <p>Why not one batched {@code [E, C, D] × [E, D, H]} product: ND4J's batched matmul does not run at oneDNN's 2-D
 * speed (measured at E=16, C=128, D=256, H=688, thread CPU time per product: forward 7.8 ms batched vs 7.5 ms as 16
 * 2-D products, input gradient 10.1 vs 6.4 ms, weight gradient 7.5 vs 7.0 ms), and it needs the per-expert weights
 * (one variable each, HF names) stacked to {@code [E, H, D]} in the graph and their gradients unstacked, which copies
 * every expert weight twice per step (about 10 ms at E=16). Per-expert products read each weight in place, and the
 * nonlinearity runs per expert too: joining the hidden activations into one {@code [E, C, H]} array and splitting it
 * again would copy them six times per step (every M2.1 shape op copies: {@code stack}/{@code unstack} at about
 * 7 GB/s on a quiet machine, {@code concat}/{@code split} at about 2 GB/s), which costs more than the extra small ops.
 * Only the dispatched rows are split ({@code unstack}) and the outputs joined ({@code stack}).
 */
final class MoeExperts {
    private MoeExperts() {
    }

    /**
     * @param x       the layer input {@code [N, D]}
     * @param slotIdx the token row that fills each expert slot, INT {@code [E·C]}, expert-major (an empty slot reads
     *                any row; its output is never read back)
     * @param cap     the capacity C as {@code [1]} LONG (for the named {@code [E, C, ·]} outputs)
     * @return the experts' outputs per slot {@code [E·C, D]}, expert-major
     */
    static SDVariable apply(SameDiff sd, MoeLayer.Context ctx, int i, int e, int d, int hid, boolean swiglu,
                            double initStd, double residualStd, SDVariable x, SDVariable slotIdx, SDVariable cap) {
        // gathering with [E, C] indices gives the [E, C, D] buffer directly (a reshape op would copy it)
        SDVariable[] rows = e == 1 ? new SDVariable[]{sd.gather(x, slotIdx, 0)} // [C, D]
                : sd.unstack(sd.gather(x, sd.reshape(slotIdx, e, -1), 0), 0, e); // E × [C, D]
        // weights are registered projection by projection (all gates, all ups, all downs): the order their initial
        // values are drawn in
        SDVariable[] gate = swiglu ? projections(sd, ctx, i, "gate", initStd, hid, d, rows) : null;
        SDVariable[] up = projections(sd, ctx, i, "up", initStd, hid, d, rows);
        SDVariable[] act = new SDVariable[e]; // E × [C, H]
        for (int j = 0; j < e; j++) {
            act[j] = ctx.activate(swiglu ? gate[j] : null, up[j]);
        }
        SDVariable[] y = projections(sd, ctx, i, "down", residualStd, d, hid, act); // E × [C, D]
        // the named [E, C, ·] views are for activation scans: off the loss path, not computed in training
        sd.identity(MoeNames.expertDownInput(i), stacked(sd, act, ctx, cap, hid));
        SDVariable y3 = sd.identity(MoeNames.expertDownOutput(i), stacked(sd, y, ctx, cap, d)); // [E, C, D]
        return e == 1 ? y[0] : sd.reshape(y3, -1, d);
    }

    /** Every expert's {@code p} projection of its own rows: {@code rows[e] · W_eᵀ}, {@code [C, in] × [out, in]ᵀ}. */
    private static SDVariable[] projections(SameDiff sd, MoeLayer.Context ctx, int i, String p, double std, int out,
                                            int in, SDVariable[] rows) {
        SDVariable[] y = new SDVariable[rows.length];
        for (int j = 0; j < rows.length; j++) {
            y[j] = sd.mmul(rows[j], ctx.expertWeight(MoeNames.expert(i, j, p), std, out, in), false, true, false);
        }
        return y;
    }

    /** Per-expert blocks {@code [C, n]} stacked to {@code [E, C, n]}. */
    private static SDVariable stacked(SameDiff sd, SDVariable[] blocks, MoeLayer.Context ctx, SDVariable cap, int n) {
        return blocks.length == 1 ? sd.reshape(blocks[0], ctx.shape(1, cap, n)) : sd.stack(0, blocks);
    }
}
