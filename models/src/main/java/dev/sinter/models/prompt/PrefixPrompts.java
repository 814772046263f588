package dev.sinter.models.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Several prompt sets as attention prefixes (DualPrompt's E-prompt in its prefix-tuning form): for every prompt layer
 * l, learned key and value prefixes {@link #keyName(int)} / {@link #valueName(int)} {@code [S, P, kvDim]} (S sets, P
 * prefix positions, kvDim = H·hd), created as zeros. The {@link #PROMPT_SET} placeholder {@code [B]} INT picks each
 * example's set, so one batch can mix sets; {@code -1} means no prompt: the prefix columns get the masked bias and
 * carry exactly zero attention weight (and zero gradient). Every query sees all P prefix columns of its set, which
 * for a causal decoder means the prefix is always visible; prefixes get no positional rotation. The layer's bias is
 * rank 4 with its batch axis first and keys last: the encoder's key-padding bias {@code [B, 1, 1, T]} or the
 * decoder's causal bias {@code [B, KV, g·T, T]} (then {@code heads} are the KV heads, whose prefixes the g query heads
 * of each share); the prefix columns' bias is broadcast to its leading axes.
 *
 * @param sets      S, the number of prompt sets (>= 1)
 * @param length    P, prefix positions per layer (>= 1)
 * @param heads     attention heads H
 * @param headDim   hd
 * @param layers    the prompt layers (0-based)
 * @param dataType  the parameters' type
 */
public record PrefixPrompts(int sets, int length, int heads, int headDim, SortedSet<Integer> layers, DataType dataType)
        implements AttentionPrefix {
    /** The per-example prompt set placeholder {@code [B]} INT (-1: no prompt). */
    public static final String PROMPT_SET = "prompt_set";
    /** Added to the scores of masked prefix columns: exp underflows to exactly 0 (as the padding mask). */
    private static final double MASKED = -1e9;
    private static final String INDEX = "prompt_set.index"; // [B] INT, -1 clamped to 0
    private static final String PREFIX_BIAS = "prompt_set.bias"; // [B, 1, 1, P]

    public PrefixPrompts {
        if (sets < 1 || length < 1 || heads < 1 || headDim < 1) {
            throw new IllegalArgumentException("prompt sets, length, heads and head_dim must be >= 1, got " + sets
                    + ", " + length + ", " + heads + ", " + headDim);
        }
        if (layers.isEmpty() || layers.first() < 0) {
            throw new IllegalArgumentException("prompt layers must be a non-empty set of layer indices >= 0, got "
                    + layers);
        }
        layers = new TreeSet<>(layers);
    }

    public int kvDim() {
        return heads * headDim;
    }

    /** The key prefixes of layer {@code layer}: {@code prompt.layer.{l}.key} [S, P, kvDim]. */
    public static String keyName(int layer) {
        return "prompt.layer." + layer + ".key";
    }

    /** The value prefixes of layer {@code layer}: {@code prompt.layer.{l}.value} [S, P, kvDim]. */
    public static String valueName(int layer) {
        return "prompt.layer." + layer + ".value";
    }

    /** The layer of a prefix parameter's name ({@link #keyName} or {@link #valueName}), or -1 for any other name. */
    public static int layerOf(String name) {
        for (String suffix : List.of(".key", ".value")) {
            if (name.startsWith("prompt.layer.") && name.endsWith(suffix)) {
                return Integer.parseInt(name.substring("prompt.layer.".length(), name.length() - suffix.length()));
            }
        }
        return -1;
    }

    /** Every prefix parameter: keys then values, layer by layer. */
    public List<String> parameterNames() {
        List<String> out = new ArrayList<>();
        for (int l : layers) {
            out.add(keyName(l));
            out.add(valueName(l));
        }
        return out;
    }

    @Override
    public Prefixed extend(SameDiff sd, int layer, SDVariable keys, SDVariable values, SDVariable bias) {
        if (!layers.contains(layer)) {
            return new Prefixed(keys, values, bias);
        }
        SDVariable index = selection(sd);
        SDVariable pk = prefix(sd, keyName(layer), index); // [B, H, P, hd]
        SDVariable pv = prefix(sd, valueName(layer), index);
        SDVariable lead = sd.stridedSlice(sd.shape(bias).castTo(DataType.LONG), new long[]{0}, new long[]{3},
                new long[]{1}); // [3]: the bias's leading axes
        SDVariable columns = sd.concat(0, lead, sd.constant(Nd4j.createFromArray((long) length))); // [4]
        SDVariable prefixBias = sd.fill(columns, dataType, 0.0).add(sd.getVariable(PREFIX_BIAS)); // [.., .., .., P]
        SDVariable extended = sd.concat(3, prefixBias, bias); // [B, ., ., P + T]
        return new Prefixed(sd.concat(2, pk, keys), sd.concat(2, pv, values), extended);
    }

    /** The clamped set index [B] and the prefix bias [B, 1, 1, P], created once per graph. */
    private SDVariable selection(SameDiff sd) {
        if (sd.hasVariable(INDEX)) {
            return sd.getVariable(INDEX);
        }
        SDVariable set = sd.placeHolder(PROMPT_SET, DataType.INT, -1); // [B]
        SDVariable active = set.gte(0).castTo(DataType.INT); // [B] 1 with a prompt, 0 without
        SDVariable index = sd.identity(INDEX, set.mul(active)); // [B] in [0, S)
        SDVariable off = sd.reshape(active.castTo(dataType).rsub(1.0).mul(MASKED), -1, 1, 1, 1); // [B, 1, 1, 1]
        sd.identity(PREFIX_BIAS, off.add(sd.constant(Nd4j.zeros(dataType, 1, 1, 1, length)))); // [B, 1, 1, P]
        return index;
    }

    private SDVariable prefix(SameDiff sd, String name, SDVariable index) {
        SDVariable table = sd.hasVariable(name) ? sd.getVariable(name)
                : sd.var(name, Nd4j.zeros(dataType, sets, length, kvDim()));
        SDVariable rows = sd.gather(table, index, 0); // [B, P, kvDim]
        return sd.permute(sd.reshape(rows, -1, length, heads, headDim), 0, 2, 1, 3); // [B, H, P, hd]
    }
}
