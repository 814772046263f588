package dev.sinter.models.transformer;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.family.Projection;
import dev.sinter.models.moe.MoeNames;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder-only transformer family ({@link TransformerModel}), registered as {@code decoder}. Its role map uses
 * the HF Llama names of {@link ParameterNames}: {@code q, k, v, o} → {@code self_attn.{q,k,v,o}_proj}; in dense
 * layers {@code gate, up, down} → {@code mlp.{gate,up,down}_proj}; in MoE layers the same roles name every expert's
 * {@code mlp.experts.{e}.{gate,up,down}_proj} (site {@code expert}, index e) and a Residual MoE's dense MLP
 * {@code mlp.shared.{gate,up,down}_proj} (site {@code shared}). No {@code gate} with a GELU MLP.
 */
public final class DecoderFamily implements ModelFamily {
    /** The registered family. */
    public static final DecoderFamily INSTANCE = new DecoderFamily();
    public static final String NAME = "decoder";

    private DecoderFamily() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "decoder-only transformer (Llama/Qwen2-style, optional MoE layers): presets, llama2.c and HF imports";
    }

    @Override
    public List<String> roles() {
        return Projection.ROLES;
    }

    /** The targetable projections of an architecture, layer by layer, with their {@code [out, in]} shapes. */
    public static List<Projection> projections(ModelConfig m) {
        List<Projection> out = new ArrayList<>();
        for (int i = 0; i < m.nLayers(); i++) {
            out.add(new Projection("q", i, ParameterNames.attn(i, "q"), m.dim(), m.dim()));
            out.add(new Projection("k", i, ParameterNames.attn(i, "k"), m.kvDim(), m.dim()));
            out.add(new Projection("v", i, ParameterNames.attn(i, "v"), m.kvDim(), m.dim()));
            out.add(new Projection("o", i, ParameterNames.attn(i, "o"), m.dim(), m.dim()));
            int layer = i;
            int experts = m.expertsAt(i);
            if (experts == 0) {
                addMlp(out, m, i, m.hiddenDim(), p -> ParameterNames.mlp(layer, p), Projection.MLP, -1);
                continue;
            }
            for (int e = 0; e < experts; e++) {
                int expert = e;
                addMlp(out, m, i, m.expertHiddenDim(), p -> MoeNames.expert(layer, expert, p), Projection.EXPERT, e);
            }
            if (m.moe().residual()) {
                addMlp(out, m, i, m.expertHiddenDim(), p -> MoeNames.shared(layer, p), Projection.SHARED, -1);
            }
        }
        return out;
    }

    /** gate (SwiGLU only), up and down of one feed-forward block; {@code name} maps gate/up/down to weight names. */
    private static void addMlp(List<Projection> out, ModelConfig m, int i, int hidden,
                               java.util.function.UnaryOperator<String> name, String site, int expert) {
        if (m.mlp().equals("swiglu")) {
            out.add(new Projection("gate", i, name.apply("gate"), hidden, m.dim(), site, expert));
        }
        out.add(new Projection("up", i, name.apply("up"), hidden, m.dim(), site, expert));
        out.add(new Projection("down", i, name.apply("down"), m.dim(), hidden, site, expert));
    }

    @Override
    public String toString() {
        return NAME;
    }
}
