package dev.sinter.models.moe;

import dev.sinter.models.transformer.ParameterNames;

/** Parameter, placeholder and output names of MoE layers (design.md §3). */
public final class MoeNames {
    /** Placeholder {@code [1]}: weight of the summed load-balancing losses (the coefficient in training, 0 otherwise). */
    public static final String AUX_COEF = "moe_aux_coef";
    /**
     * Placeholder {@code [N]} in the model's type, shared by all MoE layers: 1 for a real token, 0 for padding (which
     * takes no expert capacity and gets no expert output).
     */
    public static final String TOKEN_MASK = "moe_token_mask";
    /** Output: mean next-token cross-entropy (the loss without the load-balancing term). */
    public static final String CE_LOSS = "ce_loss";

    private MoeNames() {
    }

    /** {@code model.layers.{i}.mlp.} */
    public static String mlp(int i) {
        return ParameterNames.layer(i) + "mlp.";
    }

    /** Router {@code [E, D]}. */
    public static String router(int i) {
        return mlp(i) + "gate.weight";
    }

    /** {@code model.layers.{i}.mlp.experts.{e}.{p}_proj.weight}. */
    public static String expert(int i, int e, String p) {
        return mlp(i) + "experts." + e + "." + p + "_proj.weight";
    }

    /** Residual MoE's dense MLP: {@code model.layers.{i}.mlp.shared.{p}_proj.weight}. */
    public static String shared(int i, String p) {
        return mlp(i) + "shared." + p + "_proj.weight";
    }

    /** Residual MoE's learned mix {@code [2, D]}. */
    public static String coefficient(int i) {
        return mlp(i) + "coefficient.weight";
    }

    /** Residual MoE's learned-mix bias {@code [2]} ({@code moe.coefficient_bias}). */
    public static String coefficientBias(int i) {
        return mlp(i) + "coefficient.bias";
    }

    /** Output: layer i's load-balancing loss (scalar). */
    public static String auxLoss(int i) {
        return mlp(i) + "aux_loss";
    }

    /** Output: tokens routed to each expert before capacity dropping, {@code [E]} (top-2 counts both choices). */
    public static String expertCounts(int i) {
        return mlp(i) + "expert_counts";
    }

    /** Output: token-to-expert assignments dropped for lack of capacity (scalar). */
    public static String dropped(int i) {
        return mlp(i) + "dropped";
    }

    /** Output: the MoE block's output {@code [N, D]} (after the residual mix). */
    public static String output(int i) {
        return mlp(i) + "output";
    }

    /** Output: the experts' down-projection inputs {@code [E, C, hidden]}, one row per expert slot. */
    public static String expertDownInput(int i) {
        return mlp(i) + "experts.down_proj.input";
    }

    /** Output: the experts' down-projection outputs {@code [E, C, D]}, one row per expert slot. */
    public static String expertDownOutput(int i) {
        return mlp(i) + "experts.down_proj.output";
    }

    /**
     * Output {@code [E·C]}: which token fills each expert slot, as token index + 1 (row of the {@code [N, D]} batch);
     * 0 marks an empty slot.
     */
    public static String slotTokens(int i) {
        return mlp(i) + "experts.slot_tokens";
    }

    /** Output: the residual MLP's down-projection input {@code [N, hidden]}. */
    public static String sharedDownInput(int i) {
        return mlp(i) + "shared.down_proj.input";
    }

    /** Output: the residual MLP's down-projection output {@code [N, D]}. */
    public static String sharedDownOutput(int i) {
        return mlp(i) + "shared.down_proj.output";
    }

    /** Placeholder {@code [1]} int: expert capacity C; 0 = no dropping (C = the largest expert load). */
    public static String capacity(int i) {
        return mlp(i) + "capacity";
    }

    /** Placeholder {@code [N]} int: the order in which tokens claim capacity (a random permutation under RTS). */
    public static String tokenOrder(int i) {
        return mlp(i) + "token_order";
    }

    /** Placeholder {@code [N, E]}: Gumbel noise of the second-expert choice (top-2). */
    public static String gumbel(int i) {
        return mlp(i) + "gumbel";
    }

    /** Placeholder {@code [N, D]}: multiplicative jitter of the router input. */
    public static String jitter(int i) {
        return mlp(i) + "jitter";
    }
}
