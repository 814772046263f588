package dev.sinter.models.moe;

import dev.sinter.framework.samediff.GroupedLinearOp;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The experts of one MoE layer on their dispatched rows: expert e's MLP on the C token rows that fill its slots
 * {@code [e·C, (e+1)·C)} of the {@code [E·C, ·]} buffers, each projection of all experts as one
 * {@link GroupedLinearOp} (one 2-D product per expert, on views of the buffer) and the nonlinearity once over the
 * whole {@code [E·C, H]} buffer.
 *
 * <p>Why not one batched {@code [E, C, D] × [E, D, H]} product: ND4J's batched matmul does not run at oneDNN's 2-D
 * speed (measured at E=16, C=128, D=256, H=688, thread CPU time per product: forward 7.8 ms batched vs 7.5 ms as 16
 * 2-D products, input gradient 10.1 vs 6.4 ms, weight gradient 7.5 vs 7.0 ms), and it needs the per-expert weights
 * (one variable each, HF names) stacked to {@code [E, H, D]} in the graph and their gradients unstacked, which copies
 * every expert weight twice per step (about 10 ms at E=16). The grouped op reads each weight in place; and where
 * per-expert SameDiff products split the buffer, multiply block by block and join the blocks again (every M2.1 shape
 * op copies, and each of the 9·E products pays SameDiff's per-op cost), it is one op per projection and direction.
 */
final class MoeExperts {
    private MoeExperts() {
    }

    /**
     * @param rows the dispatched rows {@code [E·C, D]}, expert-major (an empty slot holds any row; its output is never
     *             read back)
     * @param cap  the capacity C as {@code [1]} LONG (for the named {@code [E, C, ·]} outputs)
     * @return the experts' outputs per slot {@code [E·C, D]}, expert-major
     */
    static SDVariable apply(SameDiff sd, MoeLayer.Context ctx, int i, int e, int d, int hid, boolean swiglu,
                            double initStd, double residualStd, SDVariable rows, SDVariable cap) {
        // weights are registered projection by projection (all gates, all ups, all downs): the order their initial
        // values are drawn in
        SDVariable gate = swiglu ? projection(sd, ctx, i, e, "gate", initStd, hid, d, rows) : null; // [E·C, H]
        SDVariable up = projection(sd, ctx, i, e, "up", initStd, hid, d, rows); // [E·C, H]
        SDVariable act = ctx.activate(gate, up); // [E·C, H]
        SDVariable y = projection(sd, ctx, i, e, "down", residualStd, d, hid, act); // [E·C, D]
        // the named [E, C, ·] views are for activation scans: off the loss path, not computed in training
        sd.identity(MoeNames.expertDownInput(i), sd.reshape(act, ctx.shape(e, cap, hid)));
        sd.identity(MoeNames.expertDownOutput(i), sd.reshape(y, ctx.shape(e, cap, d)));
        return y;
    }

    /** Every expert's {@code p} projection of its own rows: {@code rows_e · W_eᵀ}, {@code [E·C, out]}. */
    private static SDVariable projection(SameDiff sd, MoeLayer.Context ctx, int i, int e, String p, double std,
                                         int out, int in, SDVariable rows) {
        SDVariable[] weights = new SDVariable[e];
        for (int j = 0; j < e; j++) {
            weights[j] = ctx.expertWeight(MoeNames.expert(i, j, p), std, out, in); // [out, in]
        }
        return GroupedLinearOp.apply(sd, rows, in, weights);
    }
}
