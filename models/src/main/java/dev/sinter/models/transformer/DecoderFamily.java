package dev.sinter.models.transformer;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.family.Projection;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder-only transformer family ({@link TransformerModel}), registered as {@code decoder}. Its role map uses
 * the HF Llama names of {@link ParameterNames}: {@code q, k, v, o} → {@code self_attn.{q,k,v,o}_proj}, and in dense
 * layers {@code gate, up, down} → {@code mlp.{gate,up,down}_proj} (no {@code gate} with a GELU MLP; MoE layers' experts
 * are not targetable).
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
            if (m.expertsAt(i) == 0) {
                if (m.mlp().equals("swiglu")) {
                    out.add(new Projection("gate", i, ParameterNames.mlp(i, "gate"), m.hiddenDim(), m.dim()));
                }
                out.add(new Projection("up", i, ParameterNames.mlp(i, "up"), m.hiddenDim(), m.dim()));
                out.add(new Projection("down", i, ParameterNames.mlp(i, "down"), m.dim(), m.hiddenDim()));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return NAME;
    }
}
