package dev.sinter.models.family;

import java.util.Collection;
import java.util.List;

/**
 * One weight matrix of a model family in a role that fine-tuning methods target (LoRA adapters, SMT blocks).
 *
 * @param role   {@code q}, {@code k}, {@code v}, {@code o} (attention) or {@code gate}, {@code up}, {@code down} (MLP)
 * @param layer  0-based layer index
 * @param weight the weight's parameter name as in the family's checkpoints (HF names), e.g.
 *               {@code model.layers.0.self_attn.q_proj.weight} or {@code encoder.layer.0.attention.self.query.weight}
 * @param out    rows of the weight {@code [out, in]}
 * @param in     columns of the weight
 */
public record Projection(String role, int layer, String weight, int out, int in) {
    /** Every role a family may map: attention q, k, v, o and MLP gate, up, down. */
    public static final List<String> ROLES = List.of("q", "k", "v", "o", "gate", "up", "down");

    /** The projections of {@code all} whose role is among {@code roles}, in {@code all}'s order. */
    public static List<Projection> inRoles(List<Projection> all, Collection<String> roles) {
        return all.stream().filter(p -> roles.contains(p.role())).toList();
    }

    /** The module name: the weight name without {@code .weight}. */
    public String module() {
        return weight.substring(0, weight.length() - ".weight".length());
    }
}
