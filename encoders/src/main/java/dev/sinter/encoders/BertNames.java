package dev.sinter.encoders;

/** HF BERT parameter and intermediate names. */
public final class BertNames {
    public static final String WORD = "embeddings.word_embeddings.weight";
    public static final String POSITION = "embeddings.position_embeddings.weight";
    public static final String TOKEN_TYPE = "embeddings.token_type_embeddings.weight";
    public static final String EMBED_NORM = "embeddings.LayerNorm";
    public static final String CLASSIFIER = "classifier";

    /** The projections of one layer, relative to {@code encoder.layer.{i}.}. */
    public static final String QUERY = "attention.self.query";
    public static final String KEY = "attention.self.key";
    public static final String VALUE = "attention.self.value";
    public static final String ATTN_OUT = "attention.output.dense";
    public static final String ATTN_NORM = "attention.output.LayerNorm";
    public static final String UP = "intermediate.dense";
    public static final String DOWN = "output.dense";
    public static final String OUT_NORM = "output.LayerNorm";

    private BertNames() {
    }

    /** {@code encoder.layer.{i}.{module}}. */
    public static String layer(int i, String module) {
        return "encoder.layer." + i + "." + module;
    }

    /** The FFN output projection's input (after GELU), {@code [N, hidden]}: plays {@code down_proj.input}'s role. */
    public static String downProjInput(int i) {
        return layer(i, DOWN) + ".input";
    }

    /** The FFN output projection's output (before the residual add), {@code [N, D]}. */
    public static String downProjOutput(int i) {
        return layer(i, DOWN) + ".output";
    }

    /** The residual stream entering layer i (its attention's input), {@code [N, D]}. */
    public static String layerInput(int i) {
        return "encoder.layer." + i + ".input";
    }

    /** Layer i's attention queries before the split into heads, {@code [N, D]} (LW2G's prompt-layer feature). */
    public static String query(int i) {
        return "encoder.layer." + i + ".query";
    }

    /** The residual stream after layer i (after its output LayerNorm), {@code [N, D]}. */
    public static String layerOutput(int i) {
        return "encoder.layer." + i + ".hidden_state";
    }

    /** The layer index of an {@code encoder.layer.{i}.…} name, or -1. */
    public static int layerIndex(String name) {
        if (!name.startsWith("encoder.layer.")) {
            return -1;
        }
        String rest = name.substring("encoder.layer.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.')));
    }
}
