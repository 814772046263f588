package dev.sinter.models.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.util.Json;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Imports a Hugging Face Llama-family directory: {@code config.json} (see {@link HfConfig}) plus
 * {@code model.safetensors}, or {@code model.safetensors.index.json} and its shards. Weights in F32, F16 or BF16 are
 * widened to float32. The model keeps HF's rotate-half RoPE layout ({@code rope_style: half}).
 *
 * <p>The directory is untrusted. {@link #inspect} reads only {@code config.json}, the index and the safetensors headers
 * and checks everything before {@link #load} allocates a tensor: every file it reads ({@code config.json}, the weights,
 * the index and its shards) lying inside the directory (a shard name has no {@code ..} and is not absolute; no file's
 * real path, symlinks followed, leads out), the sizes of config.json (1 MB) and the index (16 MB), the architecture,
 * every expected tensor present once with its exact shape and a float dtype, and no unknown tensor. Each problem is one {@link IOException} line naming the file
 * and the fix.
 */
public final class HfLlamaImporter {
    /** The single-file weights. */
    public static final String WEIGHTS = "model.safetensors";
    /** The index of sharded weights. */
    public static final String INDEX = "model.safetensors.index.json";

    /** The largest index read (a 400-shard 70B model's is about 100 KB). */
    static final long MAX_INDEX_BYTES = 16L << 20;

    private static final Logger LOG = LogManager.getLogger(HfLlamaImporter.class);
    private static final Set<String> FLOAT_DTYPES = Set.of("F32", "F16", "BF16");

    private HfLlamaImporter() {
    }

    /**
     * A checked import: the architecture, and per weights file the tensors to read from it.
     *
     * @param config  the architecture from {@code config.json}
     * @param tensors per file, the names of the model parameters it holds
     */
    public record Plan(ModelConfig config, Map<Path, Set<String>> tensors) {
    }

    /** Whether {@code dir} looks like an HF model directory: {@code config.json} plus safetensors weights. */
    public static boolean isHfDirectory(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(HfConfig.FILE))
                && (Files.isRegularFile(dir.resolve(WEIGHTS)) || Files.isRegularFile(dir.resolve(INDEX)));
    }

    /** Loads the directory as a float32 model. */
    public static TransformerModel load(Path dir) throws IOException {
        return load(dir, DataType.FLOAT);
    }

    /** Loads the directory into a model of the given data type (weights are widened to float32 first). */
    public static TransformerModel load(Path dir, DataType dtype) throws IOException {
        Plan plan = inspect(dir);
        TransformerModel model = TransformerModel.createForLoading(plan.config(), dtype);
        Map<String, INDArray> params = model.parameters();
        Set<String> planned = new TreeSet<>();
        plan.tensors().values().forEach(planned::addAll);
        if (!planned.equals(new TreeSet<>(params.keySet()))) {
            throw new IllegalStateException("the import plan " + planned + " does not cover the graph's parameters "
                    + params.keySet());
        }
        // one file at a time, so the peak is the model plus one shard rather than twice the model
        for (Map.Entry<Path, Set<String>> e : plan.tensors().entrySet()) {
            SafetensorsIO.read(e.getKey(), e.getValue()::contains)
                    .forEach((name, value) -> params.get(name).assign(value.castTo(dtype)));
        }
        LOG.info("imported {} ({} files, {} parameters)", dir, plan.tensors().size(), model.parameterCount());
        return model;
    }

    /** Checks the directory without reading or allocating any tensor; see the class comment. */
    public static Plan inspect(Path dir) throws IOException {
        Path configFile = dir.resolve(HfConfig.FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(dir + ": no " + HfConfig.FILE + "; an HF model directory needs config.json and "
                    + WEIGHTS + " (or " + INDEX + ")");
        }
        Path realDir = dir.toRealPath();
        requireInside(dir, HfConfig.FILE, dir, realDir, configFile);
        ModelConfig cfg = HfConfig.read(configFile);
        Map<String, long[]> expected = expectedShapes(cfg);
        List<Path> files = weightFiles(dir, realDir);
        Map<Path, Set<String>> plan = new LinkedHashMap<>();
        Map<String, Path> seen = new LinkedHashMap<>();
        Set<String> unknown = new TreeSet<>();
        for (Path file : files) {
            Set<String> wanted = new TreeSet<>();
            for (SafetensorsIO.TensorInfo t : SafetensorsIO.describe(file)) {
                Path before = seen.put(t.name(), file);
                if (before != null) {
                    throw new IOException(file + ": tensor '" + t.name() + "' is also in " + before
                            + "; each tensor must be stored once");
                }
                long[] shape = expected.get(t.name());
                if (shape == null) {
                    if (!ignorable(cfg, t.name())) {
                        unknown.add(t.name());
                    }
                    continue;
                }
                if (!FLOAT_DTYPES.contains(t.dtype())) {
                    throw new IOException(file + ": tensor '" + t.name() + "' has dtype " + t.dtype()
                            + "; model weights must be F32, F16 or BF16");
                }
                if (!Arrays.equals(shape, t.shape())) {
                    throw new IOException(file + ": tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape())
                            + " but config.json implies " + Arrays.toString(shape)
                            + "; the weights do not match config.json");
                }
                wanted.add(t.name());
            }
            plan.put(file, wanted);
        }
        if (!unknown.isEmpty()) {
            throw new IOException(dir + ": unknown tensors " + abbreviate(unknown) + " are not part of a "
                    + describe(cfg) + " model; check that config.json matches the weights");
        }
        Set<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(seen.keySet());
        if (!missing.isEmpty()) {
            throw new IOException(dir + ": missing tensors " + abbreviate(missing) + " of a " + describe(cfg)
                    + " model; the weights are incomplete or config.json does not match them");
        }
        return new Plan(cfg, plan);
    }

    /** The parameter names and shapes a {@link TransformerModel} of {@code cfg} has, computed without building it. */
    static Map<String, long[]> expectedShapes(ModelConfig cfg) {
        long d = cfg.dim();
        long kv = cfg.kvDim();
        long hid = cfg.hiddenDim();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(ParameterNames.EMBED, new long[]{cfg.vocabSize(), d});
        for (int i = 0; i < cfg.nLayers(); i++) {
            String p = ParameterNames.layer(i);
            m.put(p + "input_layernorm.weight", new long[]{d});
            m.put(ParameterNames.attn(i, "q"), new long[]{d, d});
            m.put(ParameterNames.attn(i, "k"), new long[]{kv, d});
            m.put(ParameterNames.attn(i, "v"), new long[]{kv, d});
            m.put(ParameterNames.attn(i, "o"), new long[]{d, d});
            if (cfg.attentionBias()) {
                m.put(ParameterNames.attnBias(i, "q"), new long[]{d});
                m.put(ParameterNames.attnBias(i, "k"), new long[]{kv});
                m.put(ParameterNames.attnBias(i, "v"), new long[]{kv});
            }
            m.put(p + "post_attention_layernorm.weight", new long[]{d});
            m.put(ParameterNames.mlp(i, "gate"), new long[]{hid, d});
            m.put(ParameterNames.mlp(i, "up"), new long[]{hid, d});
            m.put(ParameterNames.mlp(i, "down"), new long[]{d, hid});
        }
        m.put(ParameterNames.FINAL_NORM + ".weight", new long[]{d});
        if (!cfg.tieEmbeddings()) {
            m.put(ParameterNames.LM_HEAD, new long[]{cfg.vocabSize(), d});
        }
        return m;
    }

    /**
     * Tensors that are present in some HF files but are not parameters: RoPE's {@code inv_freq} buffers (recomputed
     * from rope_theta) and a copy of the embedding as {@code lm_head.weight} in a tied model.
     */
    private static boolean ignorable(ModelConfig cfg, String name) {
        return name.endsWith(".self_attn.rotary_emb.inv_freq")
                || cfg.tieEmbeddings() && name.equals(ParameterNames.LM_HEAD);
    }

    /** {@code model.safetensors}, else the shards the index names, each checked to lie inside {@code dir}. */
    private static List<Path> weightFiles(Path dir, Path realDir) throws IOException {
        if (Files.isRegularFile(dir.resolve(WEIGHTS))) {
            return List.of(requireInside(dir, WEIGHTS, dir, realDir, dir.resolve(WEIGHTS)));
        }
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) {
            throw new IOException(dir + ": neither " + WEIGHTS + " nor " + INDEX + "; put the weights beside config.json");
        }
        requireInside(dir, INDEX, dir, realDir, index);
        JsonNode root;
        try {
            root = Json.mapper().readTree(HfConfig.readCapped(index, MAX_INDEX_BYTES));
        } catch (JsonProcessingException e) {
            throw new IOException(index + ": is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new IOException(index + ": has no weight_map object of tensor name → shard file");
        }
        Map<String, Path> shards = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new IOException(index + ": weight_map value of '" + e.getKey() + "' is not a file name");
            }
            String name = e.getValue().textValue();
            if (!shards.containsKey(name)) {
                shards.put(name, shardInside(index, dir, realDir, name));
            }
        }
        List<Path> files = new ArrayList<>(shards.values());
        // every tensor the index names must be in the shard it names
        Map<Path, Set<String>> held = new LinkedHashMap<>();
        for (Path f : files) {
            Set<String> names = new TreeSet<>();
            SafetensorsIO.describe(f).forEach(t -> names.add(t.name()));
            held.put(f, names);
        }
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            Path f = shards.get(e.getValue().textValue());
            if (!held.get(f).contains(e.getKey())) {
                throw new IOException(index + ": names '" + e.getKey() + "' in " + f.getFileName()
                        + " but that shard does not hold it; the index does not match its shards");
            }
        }
        return files;
    }

    /** Resolves a shard name, refusing anything that leads outside the model directory. */
    private static Path shardInside(Path index, Path dir, Path realDir, String name) throws IOException {
        Path rel;
        try {
            rel = Path.of(name);
        } catch (InvalidPathException e) {
            throw new IOException(index + ": shard name '" + name + "' is not a valid file name");
        }
        boolean climbs = false;
        for (Path part : rel) {
            climbs |= part.toString().equals("..");
        }
        if (name.isEmpty() || rel.isAbsolute() || climbs) {
            throw new IOException(index + ": shard '" + name + "' lies outside the model directory; an index may only"
                    + " name files inside " + dir + " (no '..', no absolute path)");
        }
        Path file = dir.resolve(rel);
        if (!Files.isRegularFile(file)) {
            throw new IOException(index + ": shard '" + name + "' does not exist in " + dir
                    + "; download every shard the index names");
        }
        return requireInside(index, "shard '" + name + "'", dir, realDir, file);
    }

    /**
     * Returns {@code file}, refused if its real path (symlinks followed) leaves the model directory: the one rule for
     * every file the importer reads. {@code where} and {@code what} start the error line ({@code where: what is …}).
     */
    private static Path requireInside(Path where, String what, Path dir, Path realDir, Path file) throws IOException {
        Path real = file.toRealPath();
        if (!real.startsWith(realDir)) {
            throw new IOException(where + ": " + what + " is a symlink to " + real + ", outside the model directory;"
                    + " copy the model files into " + dir + " (e.g. huggingface-cli download --local-dir)");
        }
        return file;
    }

    private static String describe(ModelConfig cfg) {
        return cfg.nLayers() + "-layer " + (cfg.attentionBias() ? "Qwen2" : "Llama")
                + (cfg.tieEmbeddings() ? " (tied embeddings)" : " (untied lm_head)");
    }

    private static String abbreviate(Set<String> names) {
        List<String> list = new ArrayList<>(names);
        String shown = String.join(", ", list.subList(0, Math.min(5, list.size())));
        return "[" + shown + (list.size() > 5 ? ", … (" + list.size() + " in all)" : "") + "]";
    }
}
