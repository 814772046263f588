package dev.sinter.encoders;

import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.family.Projection;
import java.util.ArrayList;
import java.util.List;

/**
 * The BERT encoder family ({@link BertEncoder}), registered as {@code encoder}. Its role map uses the HF BERT names
 * of {@link BertNames}: {@code q, k, v} → {@code attention.self.{query,key,value}}, {@code o} →
 * {@code attention.output.dense}, {@code up} → {@code intermediate.dense}, {@code down} → {@code output.dense}
 * (BERT's MLP has no gate).
 */
public final class EncoderFamily implements ModelFamily {
    /** The registered family. */
    public static final EncoderFamily INSTANCE = new EncoderFamily();
    public static final String NAME = "encoder";
    /** Checkpoint metadata key of the family's name. */
    public static final String FAMILY_KEY = "sinter.family";
    /** Checkpoint metadata key of the {@link EncoderConfig} as JSON. */
    public static final String CONFIG_KEY = "sinter.encoder_config";
    /** Checkpoint metadata key of the classification head's class count (0: no head). */
    public static final String CLASSES_KEY = "sinter.num_classes";

    private EncoderFamily() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "BERT-style encoder with a classification head (all-minilm-l6-v2, bge-small-en-v1.5 from ONNX)";
    }

    @Override
    public List<String> roles() {
        return List.of("q", "k", "v", "o", "up", "down");
    }

    /** The targetable projections of an architecture, layer by layer, with their {@code [out, in]} shapes. */
    public static List<Projection> projections(EncoderConfig c) {
        List<Projection> out = new ArrayList<>();
        for (int i = 0; i < c.nLayers(); i++) {
            out.add(projection("q", i, BertNames.QUERY, c.dim(), c.dim()));
            out.add(projection("k", i, BertNames.KEY, c.dim(), c.dim()));
            out.add(projection("v", i, BertNames.VALUE, c.dim(), c.dim()));
            out.add(projection("o", i, BertNames.ATTN_OUT, c.dim(), c.dim()));
            out.add(projection("up", i, BertNames.UP, c.hiddenDim(), c.dim()));
            out.add(projection("down", i, BertNames.DOWN, c.dim(), c.hiddenDim()));
        }
        return out;
    }

    private static Projection projection(String role, int layer, String module, int out, int in) {
        return new Projection(role, layer, BertNames.layer(layer, module) + ".weight", out, in);
    }

    @Override
    public String toString() {
        return NAME;
    }
}
