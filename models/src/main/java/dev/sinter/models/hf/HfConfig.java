package dev.sinter.models.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinter.framework.util.Json;
import dev.sinter.models.config.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Translates between an HF {@code config.json} of the Llama family and a {@link ModelConfig}.
 *
 * <p>Read: {@code hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_key_value_heads
 * (default: num_attention_heads), vocab_size, max_position_embeddings, rms_norm_eps (1e-6), rope_theta (10000),
 * tie_word_embeddings (false), hidden_act (silu only), head_dim (must be hidden_size / num_attention_heads)}; RoPE is
 * rotate-half ({@code rope_style: half}); Qwen2 has q/k/v biases. Everything HF would compute differently from Sinter
 * is refused: other architectures, {@code rope_scaling}, a sliding window shorter than the context, biases on o_proj or
 * the MLP.
 */
public final class HfConfig {
    /** The file name. */
    public static final String FILE = "config.json";
    /** The architectures this importer reads. */
    public static final List<String> ARCHITECTURES = List.of("LlamaForCausalLM", "MistralForCausalLM",
            "Qwen2ForCausalLM");

    /** The largest config.json read (real ones are a few KB). */
    static final long MAX_BYTES = 1L << 20;
    /**
     * The largest max_position_embeddings accepted: the decoder's RoPE tables hold {@code seqLen * headDim / 2} floats
     * each, which must stay a sane allocation (and an int).
     */
    public static final int MAX_POSITIONS = 1 << 20;

    private HfConfig() {
    }

    /** Parses and checks {@code file}; every problem is one {@link IOException} line naming the file and a fix. */
    public static ModelConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = Json.mapper().readTree(readCapped(file, MAX_BYTES));
        } catch (JsonProcessingException e) {
            throw problem(file, "is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw problem(file, "is not a JSON object");
        }
        String arch = architecture(file, root);
        if (!root.path("rope_scaling").isMissingNode() && !root.get("rope_scaling").isNull()) {
            throw problem(file, "rope_scaling " + root.get("rope_scaling") + " is not supported (Sinter applies plain"
                    + " RoPE only); use a model without rope_scaling, or set it to null if the model was trained without it");
        }
        String act = text(file, root, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw problem(file, "hidden_act '" + act + "' is not supported; Sinter's Llama MLP is SwiGLU with silu");
        }
        if (root.path("mlp_bias").asBoolean(false)) {
            throw problem(file, "mlp_bias true is not supported; Sinter's MLP projections have no biases");
        }
        boolean qkvBias = arch.equals("Qwen2ForCausalLM");
        if (!qkvBias && root.path("attention_bias").asBoolean(false)) {
            throw problem(file, "attention_bias true (biases on q/k/v and o_proj) is not supported for " + arch
                    + "; only Qwen2's q/k/v biases are");
        }
        int dim = positiveInt(file, root, "hidden_size", null);
        int heads = positiveInt(file, root, "num_attention_heads", null);
        int kvHeads = positiveInt(file, root, "num_key_value_heads", heads);
        int context = positiveInt(file, root, "max_position_embeddings", null);
        if (context > MAX_POSITIONS) {
            throw problem(file, "max_position_embeddings " + context + " is above Sinter's limit of " + MAX_POSITIONS
                    + " positions; set it to the context length the model is used with");
        }
        checkSlidingWindow(file, root, arch, context);
        if (root.hasNonNull("head_dim") && dim % heads == 0 && positiveInt(file, root, "head_dim", null) != dim / heads) {
            throw problem(file, "head_dim " + root.get("head_dim") + " differs from hidden_size / num_attention_heads = "
                    + dim / heads + "; Sinter needs head_dim = hidden_size / num_attention_heads");
        }
        try {
            return ModelConfig.builder().dim(dim).nLayers(positiveInt(file, root, "num_hidden_layers", null))
                    .nHeads(heads).nKvHeads(kvHeads).hiddenDim(positiveInt(file, root, "intermediate_size", null))
                    .vocabSize(positiveInt(file, root, "vocab_size", null)).maxSeqLen(context).norm("rmsnorm")
                    .normEps(positiveDouble(file, root, "rms_norm_eps", 1e-6)).positions("rope").ropeStyle("half")
                    .ropeTheta(positiveDouble(file, root, "rope_theta", 10000)).mlp("swiglu")
                    .tieEmbeddings(root.path("tie_word_embeddings").asBoolean(false))
                    .initStd(positiveDouble(file, root, "initializer_range", 0.02)).attentionBias(qkvBias).build();
        } catch (IllegalArgumentException e) {
            throw problem(file, "describes an unsupported shape: " + e.getMessage());
        }
    }

    /**
     * The {@code config.json} of {@code cfg}: {@code Qwen2ForCausalLM} when it has q/k/v biases, else
     * {@code LlamaForCausalLM}; {@code bos}/{@code eos} may be null.
     *
     * @throws IllegalArgumentException naming what HF's Llama cannot express (layernorm, learned positions, GELU, MoE)
     */
    public static ObjectNode toJson(ModelConfig cfg, Integer bos, Integer eos) {
        requireExpressible(cfg);
        boolean qwen = cfg.attentionBias();
        ObjectNode n = Json.mapper().createObjectNode();
        n.putArray("architectures").add(qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        n.put("model_type", qwen ? "qwen2" : "llama");
        n.put("hidden_size", cfg.dim());
        n.put("intermediate_size", cfg.hiddenDim());
        n.put("num_hidden_layers", cfg.nLayers());
        n.put("num_attention_heads", cfg.nHeads());
        n.put("num_key_value_heads", cfg.nKvHeads());
        n.put("head_dim", cfg.headDim());
        n.put("vocab_size", cfg.vocabSize());
        n.put("max_position_embeddings", cfg.maxSeqLen());
        n.put("rms_norm_eps", cfg.normEps());
        n.put("rope_theta", cfg.ropeTheta());
        n.putNull("rope_scaling");
        n.put("hidden_act", "silu");
        n.put("tie_word_embeddings", cfg.tieEmbeddings());
        n.put("initializer_range", cfg.initStd());
        if (qwen) {
            n.put("use_sliding_window", false);
            n.put("sliding_window", cfg.maxSeqLen());
            n.put("max_window_layers", cfg.nLayers());
        } else {
            n.put("attention_bias", false);
            n.put("mlp_bias", false);
        }
        if (bos != null) {
            n.put("bos_token_id", bos);
        }
        if (eos != null) {
            n.put("eos_token_id", eos);
        }
        n.put("torch_dtype", "float32");
        return n;
    }

    /** Throws unless HF's Llama/Qwen2 can express {@code cfg}. */
    public static void requireExpressible(ModelConfig cfg) {
        String why = cfg.moe() != null ? "Mixture-of-Experts layers"
                : !cfg.norm().equals("rmsnorm") ? "norm " + cfg.norm()
                : !cfg.positions().equals("rope") ? "learned positions"
                : !cfg.mlp().equals("swiglu") ? "mlp " + cfg.mlp() : null;
        if (why != null) {
            throw new IllegalArgumentException("HF's LlamaForCausalLM cannot express " + why
                    + "; only RMSNorm, RoPE, SwiGLU, dense models export to --format hf");
        }
    }

    private static String architecture(Path file, JsonNode root) throws IOException {
        JsonNode archs = root.get("architectures");
        if (archs == null || !archs.isArray() || archs.size() != 1 || !archs.get(0).isTextual()) {
            throw problem(file, "architectures " + archs + " is not a one-element list; expected one of "
                    + ARCHITECTURES);
        }
        String arch = archs.get(0).textValue();
        if (!ARCHITECTURES.contains(arch)) {
            throw problem(file, "architecture '" + arch + "' is not supported; Sinter imports " + ARCHITECTURES);
        }
        return arch;
    }

    /** Mistral (and Qwen2 with use_sliding_window) attend to a window: only a window covering the context is plain attention. */
    private static void checkSlidingWindow(Path file, JsonNode root, String arch, int context) throws IOException {
        boolean windowed = arch.equals("MistralForCausalLM")
                || arch.equals("Qwen2ForCausalLM") && root.path("use_sliding_window").asBoolean(false);
        JsonNode window = root.get("sliding_window");
        if (windowed && window != null && !window.isNull()) {
            if (!window.canConvertToInt() || window.intValue() < context) {
                throw problem(file, "sliding_window " + window + " is shorter than max_position_embeddings " + context
                        + "; Sinter has no sliding-window attention: set sliding_window to null, or max_position_embeddings"
                        + " to at most the window, if the model was trained that way");
            }
        }
    }

    private static String text(Path file, JsonNode root, String key, String fallback) throws IOException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw problem(file, key + " " + v + " is not a string");
        }
        return v.textValue();
    }

    private static int positiveInt(Path file, JsonNode root, String key, Integer fallback) throws IOException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw problem(file, "has no '" + key + "'; it is required for a Llama-family model");
            }
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
            throw problem(file, key + " " + v + " is not a positive integer");
        }
        return v.intValue();
    }

    private static double positiveDouble(Path file, JsonNode root, String key, double fallback) throws IOException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber() || !(v.doubleValue() > 0) || Double.isInfinite(v.doubleValue())) {
            throw problem(file, key + " " + v + " is not a finite number > 0");
        }
        return v.doubleValue();
    }

    /** The file as text, refused (one line naming the limit) when it is larger than {@code maxBytes}. */
    static String readCapped(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) {
            throw problem(file, "is " + size + " bytes, more than the " + maxBytes + " bytes allowed for "
                    + file.getFileName() + "; it is not a real " + file.getFileName() + ": replace it with the model's own");
        }
        return Files.readString(file);
    }

    static IOException problem(Path file, String message) {
        return new IOException(file + ": " + message);
    }
}
