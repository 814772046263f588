package dev.sinter.models.transformer;

/** HF Llama parameter and intermediate names (design.md §3). */
public final class ParameterNames {
    public static final String EMBED = "model.embed_tokens.weight";
    public static final String POSITIONS = "model.embed_positions.weight";
    public static final String FINAL_NORM = "model.norm";
    public static final String LM_HEAD = "lm_head.weight";

    private ParameterNames() {
    }

    /** {@code model.layers.{i}.} */
    public static String layer(int i) {
        return "model.layers." + i + ".";
    }

    /** {@code model.layers.{i}.self_attn.{p}_proj.weight} for p in q,k,v,o. */
    public static String attn(int i, String p) {
        return layer(i) + "self_attn." + p + "_proj.weight";
    }

    /** {@code model.layers.{i}.self_attn.{p}_proj.bias} for p in q,k,v (models with {@code attention_bias}). */
    public static String attnBias(int i, String p) {
        return layer(i) + "self_attn." + p + "_proj.bias";
    }

    /** {@code model.layers.{i}.mlp.{p}_proj.weight} for p in gate,up,down. */
    public static String mlp(int i, String p) {
        return layer(i) + "mlp." + p + "_proj.weight";
    }

    /** Named intermediate: the input of layer i's down projection, [B·T, hidden]. */
    public static String downProjInput(int i) {
        return layer(i) + "mlp.down_proj.input";
    }

    /** Named intermediate: the output of layer i's down projection, [B·T, D]. */
    public static String downProjOutput(int i) {
        return layer(i) + "mlp.down_proj.output";
    }

    /**
     * Named intermediate: layer i's attention queries after RoPE as rows over the key/value width, {@code [B·g·T,
     * KV·hd]} (row = one token and one of the g query heads of each KV head; the space a key prefix's gradient lies in).
     */
    public static String queryRows(int i) {
        return layer(i) + "self_attn.query_rows";
    }

    /** Named intermediate: the final norm's output, {@code [B·T, D]}. */
    public static final String FINAL_HIDDEN = "model.norm.output";

    /** Named intermediate: layer i's residual-stream output, [B·T, D]. */
    public static String layerOutput(int i) {
        return layer(i) + "output";
    }
}
