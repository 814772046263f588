package dev.sinter.trainers.smt;

/**
 * One selected {@code l × l} block of a target matrix.
 *
 * @param matrix   HF weight name, e.g. {@code model.layers.2.self_attn.v_proj.weight}
 * @param target   matrix type: q, k, v, o, gate, up or down
 * @param layer    layer index
 * @param rowBlock block row (rows {@code rowBlock·l … rowBlock·l + l − 1}, output features)
 * @param colBlock block column (input features)
 * @param score    the block's score from the warm-up gradients
 * @param location where the matrix sits: {@code attention}, {@code mlp}, {@code shared} (a Residual MoE's dense MLP)
 *                 or {@code expert e}
 */
public record Block(String matrix, String target, int layer, int rowBlock, int colBlock, double score,
                    String location) {
}
