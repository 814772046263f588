package dev.sinter.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.data.HfTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.models.hf.HfLlamaImporter;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Loads a model from any path the project understands, and describes a model in checkpoint metadata.
 *
 * <p>Accepted paths: a llama2.c {@code .bin}; a Hugging Face Llama-family directory ({@code config.json} plus
 * safetensors weights, {@link HfLlamaImporter}); a checkpoint directory (holding {@code model.safetensors} whose
 * metadata carries the model config); a run directory (its newest checkpoint under {@code checkpoints/}).
 */
public final class ModelIO {
    /** Metadata key of {@code model.safetensors} holding the {@link ModelConfig} as JSON. */
    public static final String CONFIG_KEY = "sinter.model_config";
    /** Metadata key marking an adapter-only checkpoint (its settings as JSON). */
    public static final String ADAPTER_KEY = "sinter.adapter";
    /**
     * File in a checkpoint describing its tokenizer: {@code {"type": "byte"}} or llama2c + file, or for type {@code hf}
     * the Hugging Face {@code tokenizer.json} itself (beside its {@code tokenizer_config.json}, if it had one).
     */
    public static final String TOKENIZER_FILE = "tokenizer.json";
    /** Copy of a llama2.c tokenizer inside a checkpoint. */
    public static final String TOKENIZER_BIN = "tokenizer.bin";
    /**
     * Every tokenizer file a model directory may hold, in the order they are carried along when a command writes the
     * model elsewhere ({@code merge}, {@code quantize --save}, {@code export}): Sinter's {@code tokenizer.json}
     * (descriptor or HF tokenizer), HF's {@code tokenizer_config.json}, {@code special_tokens_map.json} and
     * SentencePiece {@code tokenizer.model}, and a llama2.c {@code tokenizer.bin}.
     */
    public static final List<String> TOKENIZER_FILES = List.of(TOKENIZER_FILE, HfTokenizer.CONFIG_FILE,
            "special_tokens_map.json", "tokenizer.model", TOKENIZER_BIN);

    /** Not the shared {@link dev.sinter.framework.util.Json} mapper: the model config and tokenizer descriptor a
     *  checkpoint stores spell their keys in snake_case ({@code n_layers}) as the YAML does, and saved checkpoints
     *  depend on it. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    private ModelIO() {
    }

    /** Loads a float32 model from a llama2.c file, an HF directory, a checkpoint directory or a run directory. */
    public static TransformerModel load(Path path) throws IOException {
        Path resolved = resolve(path);
        if (Files.isRegularFile(resolved)) {
            return Llama2cCheckpoint.load(resolved);
        }
        if (HfLlamaImporter.isHfDirectory(resolved)) {
            return HfLlamaImporter.load(resolved);
        }
        Checkpoint cp = CheckpointManager.read(resolved);
        if (cp.metadata().containsKey(ADAPTER_KEY)) {
            throw new IOException(resolved + " is an adapter-only (LoRA) checkpoint; make a dense model from it with"
                    + " `sinter merge --adapter " + path + " --output DIR`, then use DIR");
        }
        TransformerModel model = TransformerModel.createForLoading(configOf(cp), DataType.FLOAT);
        model.loadParameters(cp.parameters(), resolved.resolve(CheckpointManager.MODEL_FILE).toString());
        return model;
    }

    /** The checkpoint directory (or HF directory, or llama2.c file) a user-given path stands for. */
    public static Path resolve(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException("model path does not exist: " + path);
        }
        if (Files.isRegularFile(path) || HfLlamaImporter.isHfDirectory(path)) {
            return path;
        }
        if (Files.exists(path.resolve(CheckpointManager.MODEL_FILE))) {
            return path;
        }
        Optional<Path> latest = new CheckpointManager(path.resolve("checkpoints"), Integer.MAX_VALUE)
                .latest(CheckpointManager.Check.SIZES); // loading a model: sizes and headers, no hashing
        return latest.orElseThrow(() -> new IOException(path + " holds neither " + CheckpointManager.MODEL_FILE
                + " nor checkpoints/step-*; pass a run directory, a checkpoint directory, an HF model directory"
                + " (config.json + safetensors) or a llama2.c .bin file"));
    }

    /**
     * The tokenizer saved beside a checkpoint, if any: its {@code tokenizer.json} descriptor, or a bare llama2.c
     * {@code tokenizer.bin} (as {@code sinter export --format hf} copies it into an HF directory).
     */
    public static Optional<Tokenizer> tokenizerOf(Path checkpointDir) throws IOException {
        Path desc = checkpointDir.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(desc)) {
            Path bin = checkpointDir.resolve(TOKENIZER_BIN);
            return Files.isRegularFile(bin) ? Optional.of(TokenizerType.registry().get(TokenizerConfig.LLAMA2C).load(bin))
                    : Optional.empty();
        }
        Map<?, ?> m = JSON.readValue(desc.toFile(), Map.class);
        if (!m.containsKey("type") && m.containsKey("model")) { // a Hugging Face tokenizer.json
            return Optional.of(TokenizerType.registry().get(TokenizerConfig.HF).load(checkpointDir));
        }
        String type = String.valueOf(m.get("type"));
        Path file = m.get("file") == null ? null : fileInside(desc, checkpointDir, String.valueOf(m.get("file")));
        return Optional.of(TokenizerType.registry().get(type).load(file));
    }

    /** The descriptor's {@code file}, refused unless it (and its real path) stays inside the checkpoint directory. */
    private static Path fileInside(Path desc, Path checkpointDir, String name) throws IOException {
        Path dir = checkpointDir.toAbsolutePath().normalize();
        Path file = dir.resolve(name).normalize();
        boolean inside = file.startsWith(dir) && !file.equals(dir);
        if (inside && Files.exists(file)) {
            inside = file.toRealPath().startsWith(dir.toRealPath());
        }
        if (!inside) {
            throw new IOException(desc + ": tokenizer file '" + name + "' lies outside " + checkpointDir
                    + "; a checkpoint's tokenizer file must be inside its directory (e.g. \"" + TOKENIZER_BIN + "\")");
        }
        return file;
    }

    /**
     * The tokenizer files {@code modelDir} holds (see {@link #TOKENIZER_FILES}), by name, in that order: the files to
     * carry along when the model is written elsewhere.
     */
    public static Map<String, Path> tokenizerFilesOf(Path modelDir) {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String name : TOKENIZER_FILES) {
            if (Files.isRegularFile(modelDir.resolve(name))) {
                files.put(name, modelDir.resolve(name));
            }
        }
        return files;
    }

    /**
     * The llama2.c tokenizer beside a llama2.c {@code .bin}: the first {@code tok*.bin} of its directory in name order
     * (so the choice does not depend on the file system), other than {@code bin} itself.
     */
    public static Optional<Path> llama2cTokenizerBeside(Path bin) throws IOException {
        Path abs = bin.toAbsolutePath();
        try (var files = Files.list(abs.getParent())) {
            return files.filter(p -> p.getFileName().toString().matches("tok.*\\.bin") && !p.equals(abs)
                    && Files.isRegularFile(p)).sorted().findFirst();
        }
    }

    /**
     * Checkpoint files describing a tokenizer: the JSON descriptor, plus a copy of its file when it has one; for type
     * {@code hf} ({@code file} a tokenizer.json or its directory) copies of tokenizer.json and tokenizer_config.json.
     */
    public static Map<String, byte[]> tokenizerFiles(String type, Path file) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (TokenizerConfig.HF.equals(type)) {
            Path json = Files.isDirectory(file) ? file.resolve(HfTokenizer.FILE) : file;
            files.put(TOKENIZER_FILE, Files.readAllBytes(json));
            Path config = json.resolveSibling(HfTokenizer.CONFIG_FILE);
            if (Files.isRegularFile(config)) {
                files.put(HfTokenizer.CONFIG_FILE, Files.readAllBytes(config));
            }
            return files;
        }
        Map<String, Object> desc = new LinkedHashMap<>();
        desc.put("type", type);
        if (file != null) {
            desc.put("file", TOKENIZER_BIN);
            files.put(TOKENIZER_BIN, Files.readAllBytes(file));
        }
        files.put(TOKENIZER_FILE, JSON.writeValueAsBytes(desc));
        return files;
    }

    /** {@code model.safetensors} metadata for a model: its config as JSON. */
    public static Map<String, String> metadata(ModelConfig config) {
        try {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("format", "pt");
            m.put(CONFIG_KEY, JSON.writeValueAsString(config));
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model config recorded in a checkpoint's metadata. */
    public static ModelConfig configOf(Checkpoint cp) throws IOException {
        Path dir = cp.directory();
        String json = cp.metadata().get(CONFIG_KEY);
        if (json == null) {
            throw new IOException(dir.resolve(CheckpointManager.MODEL_FILE) + " has no '" + CONFIG_KEY
                    + "' metadata; it was not written by Sinter");
        }
        try {
            return JSON.readValue(json.getBytes(StandardCharsets.UTF_8), ModelConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(dir + ": invalid model config in metadata: " + e.getMessage(), e);
        }
    }
}
