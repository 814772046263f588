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
 * @param site   where the matrix sits: {@link #ATTENTION}, {@link #MLP} (a dense feed-forward block), {@link #EXPERT}
 *               (one expert of an MoE layer) or {@link #SHARED} (the dense MLP of a Residual MoE layer)
 * @param expert the expert index for {@link #EXPERT}, else −1
 */
public record Projection(String role, int layer, String weight, int out, int in, String site, int expert) {
    /** Every role a family may map: attention q, k, v, o and MLP gate, up, down. */
    public static final List<String> ROLES = List.of("q", "k", "v", "o", "gate", "up", "down");
    /** The attention roles; the others are feed-forward roles. */
    public static final List<String> ATTENTION_ROLES = List.of("q", "k", "v", "o");
    public static final String ATTENTION = "attention";
    public static final String MLP = "mlp";
    public static final String EXPERT = "expert";
    public static final String SHARED = "shared";

    public Projection {
        if (!List.of(ATTENTION, MLP, EXPERT, SHARED).contains(site)) {
            throw new IllegalArgumentException("projection site must be attention, mlp, expert or shared, got " + site);
        }
        if ((expert >= 0) != site.equals(EXPERT)) {
            throw new IllegalArgumentException("an expert index (" + expert + ") goes with the expert site only ("
                    + weight + ")");
        }
    }

    /** A projection of an attention or dense MLP block (the site follows from the role). */
    public Projection(String role, int layer, String weight, int out, int in) {
        this(role, layer, weight, out, in, ATTENTION_ROLES.contains(role) ? ATTENTION : MLP, -1);
    }

    /** The projections of {@code all} whose role is among {@code roles}, in {@code all}'s order. */
    public static List<Projection> inRoles(List<Projection> all, Collection<String> roles) {
        return all.stream().filter(p -> roles.contains(p.role())).toList();
    }

    /** Whether the role is an attention one (SMT's attention budget) rather than a feed-forward one. */
    public boolean isAttention() {
        return ATTENTION_ROLES.contains(role);
    }

    /** The block the matrix sits in, for reports: {@code attention}, {@code mlp}, {@code shared} or {@code expert 3}. */
    public String location() {
        return site.equals(EXPERT) ? EXPERT + " " + expert : site;
    }

    /** The module name: the weight name without {@code .weight}. */
    public String module() {
        return weight.substring(0, weight.length() - ".weight".length());
    }
}
