package dev.sinter.encoders.continual;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The prompt sets of the prompt learners ({@code prompt:} section). Defaults follow DualPrompt's E-prompt: prefix
 * length 5 ({@code --length 5}) and the E-prompt layers 2, 3, 4 of the 12-layer ViT-B, scaled to the model's depth
 * ({@link #layersFor}: layer i of 12 becomes round(i·n/12), so 1, 2 for a 6-layer MiniLM), initialised uniform in
 * [-1, 1] ({@code prompt_init: uniform}).
 *
 * @param length prefix positions per prompt layer (>= 1)
 * @param layers the prompt layers (0-based), or empty for the scaled DualPrompt layers
 */
public record PromptConfig(int length, List<Integer> layers) {
    /** DualPrompt's E-prompt layers in the 12-layer ViT-B. */
    static final List<Integer> DUALPROMPT_E_LAYERS = List.of(2, 3, 4);
    private static final int DUALPROMPT_DEPTH = 12;

    public PromptConfig {
        if (length < 1) {
            throw new IllegalArgumentException("prompt.length must be >= 1, got " + length);
        }
        layers = layers == null ? List.of() : List.copyOf(layers);
        for (int l : layers) {
            if (l < 0) {
                throw new IllegalArgumentException("prompt.layers must be layer indices >= 0, got " + layers);
            }
        }
    }

    /** Binds the YAML section; nulls take the defaults. */
    @JsonCreator
    public static PromptConfig of(@JsonProperty("length") Integer length,
                                  @JsonProperty("layers") List<Integer> layers) {
        return new PromptConfig(length == null ? 5 : length, layers);
    }

    /** DualPrompt's defaults. */
    public static PromptConfig defaults() {
        return of(null, null);
    }

    /** The prompt layers of an {@code nLayers}-deep model: the configured ones, or the scaled DualPrompt layers. */
    public SortedSet<Integer> layersFor(int nLayers) {
        SortedSet<Integer> out = new TreeSet<>();
        if (layers.isEmpty()) {
            for (int l : DUALPROMPT_E_LAYERS) {
                out.add(Math.min(nLayers - 1, (int) Math.round(l * (double) nLayers / DUALPROMPT_DEPTH)));
            }
            return out;
        }
        for (int l : layers) {
            if (l >= nLayers) {
                throw new IllegalArgumentException("prompt.layers " + layers + " names layer " + l + " but the model has "
                        + nLayers + " layers (0.." + (nLayers - 1) + ")");
            }
            out.add(l);
        }
        return out;
    }
}
