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
 * every expert weight twice per step (about 10 ms at E=16). Per-expert products read each weight in place; only the
 * activations are unstacked into per-expert blocks and stacked back, so the nonlinearity runs once over all slots.
 * {@code stack}/{@code unstack} rather than {@code concat}/{@code split} or reshapes: in M2.1 the first copy at about
 * 7 GB/s, {@code concat} at about 2 GB/s, and every {@code reshape} op copies its input.
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
        if (e == 1) {
            // one expert: plain 2-D rows [C, ·], no blocks to split or join
            SDVariable[] rows = {sd.gather(x, slotIdx, 0)}; // [C, D]
            SDVariable act = activation(sd, ctx, i, hid, d, swiglu, initStd, rows); // [C, H]
            sd.identity(MoeNames.expertDownInput(i), sd.reshape(act, ctx.shape(1, cap, hid))); // off the loss path
            SDVariable y = projections(sd, ctx, i, "down", residualStd, d, hid, new SDVariable[]{act})[0]; // [C, D]
            sd.identity(MoeNames.expertDownOutput(i), sd.reshape(y, ctx.shape(1, cap, d)));
            return y;
        }
        // gathering with [E, C] indices gives the [E, C, D] buffer directly (a reshape op would copy it)
        SDVariable buf = sd.gather(x, sd.reshape(slotIdx, e, -1), 0); // [E, C, D]
        SDVariable act = sd.identity(MoeNames.expertDownInput(i),
                activation(sd, ctx, i, hid, d, swiglu, initStd, sd.unstack(buf, 0, e))); // [E, C, H]
        SDVariable[] y = projections(sd, ctx, i, "down", residualStd, d, hid, sd.unstack(act, 0, e)); // E × [C, D]
        SDVariable y3 = sd.identity(MoeNames.expertDownOutput(i), sd.stack(0, y)); // [E, C, D]
        return sd.reshape(y3, -1, d);
    }

    /**
     * The hidden activations of every expert's rows, stacked: {@code [E, C, H]} ({@code [C, H]} for one expert).
     * Weights are registered projection by projection (all gates, then all ups), the order their initial values are
     * drawn in.
     */
    private static SDVariable activation(SameDiff sd, MoeLayer.Context ctx, int i, int hid, int d, boolean swiglu,
                                         double initStd, SDVariable[] rows) {
        SDVariable gate = swiglu ? joined(sd, projections(sd, ctx, i, "gate", initStd, hid, d, rows)) : null;
        SDVariable up = joined(sd, projections(sd, ctx, i, "up", initStd, hid, d, rows));
        return ctx.activate(gate, up);
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

    /** Per-expert blocks {@code [C, n]} stacked to {@code [E, C, n]}; the block itself for one expert. */
    private static SDVariable joined(SameDiff sd, SDVariable[] blocks) {
        return blocks.length == 1 ? blocks[0] : sd.stack(0, blocks);
    }
}
