package dev.sinter.models.hf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.util.Json;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a model as an HF directory that {@code transformers} loads with {@code AutoModelForCausalLM}:
 * {@code config.json} ({@link HfConfig#toJson}), {@code model.safetensors} (F32, HF names, rotate-half layout) and
 * {@code generation_config.json}. A model in llama2.c's adjacent-pair layout has its q/k rows reordered as HF's
 * conversion script does ({@link RopeLayout#adjacentToHalf}); a {@code half} model is written as it is.
 */
public final class HfExporter {
    /** The generation defaults file. */
    public static final String GENERATION_CONFIG = "generation_config.json";

    private HfExporter() {
    }

    /**
     * Writes {@code model} into {@code dir} (created if needed); {@code bos}/{@code eos} (may be null) go into
     * {@code config.json} and {@code generation_config.json}.
     *
     * @throws IllegalArgumentException if HF's Llama cannot express the model ({@link HfConfig#requireExpressible})
     */
    public static void export(TransformerModel model, Path dir, Integer bos, Integer eos) throws IOException {
        ModelConfig cfg = model.config();
        ObjectNode config = HfConfig.toJson(cfg, bos, eos);
        Files.createDirectories(dir);
        SafetensorsIO.write(dir.resolve(HfLlamaImporter.WEIGHTS), hfTensors(model), Map.of("format", "pt"));
        Json.pretty().writeValue(dir.resolve(HfConfig.FILE).toFile(), config);
        ObjectNode gen = Json.mapper().createObjectNode();
        if (bos != null) {
            gen.put("bos_token_id", bos);
        }
        if (eos != null) {
            gen.put("eos_token_id", eos);
        }
        Json.pretty().writeValue(dir.resolve(GENERATION_CONFIG).toFile(), gen);
    }

    /** The model's parameters as float32 in HF's rotate-half layout, in parameter order. */
    static Map<String, INDArray> hfTensors(TransformerModel model) {
        ModelConfig cfg = model.config();
        boolean permute = cfg.ropeStyle().equals("adjacent");
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
            INDArray w = e.getValue().castTo(DataType.FLOAT);
            if (permute) {
                Integer heads = rotatedHeads(cfg, e.getKey());
                if (heads != null) {
                    w = RopeLayout.adjacentToHalf(w, heads);
                }
            }
            out.put(e.getKey(), w);
        }
        return out;
    }

    /** The head count whose rows RoPE rotates in parameter {@code name} (q: H, k: KV), or null if it is not rotated. */
    static Integer rotatedHeads(ModelConfig cfg, String name) {
        for (int i = 0; i < cfg.nLayers(); i++) {
            if (name.equals(ParameterNames.attn(i, "q")) || name.equals(ParameterNames.attnBias(i, "q"))) {
                return cfg.nHeads();
            }
            if (name.equals(ParameterNames.attn(i, "k")) || name.equals(ParameterNames.attnBias(i, "k"))) {
                return cfg.nKvHeads();
            }
        }
        return null;
    }
}
