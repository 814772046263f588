package dev.sinter.encoders;

import dev.sinter.framework.util.Json;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.config.UsageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where an encoder to fine-tune comes from ({@code model.from: "encoder:<reference>"}): a shipped
 * {@link PretrainedEncoder} by name, or a directory holding {@code model.safetensors} (an encoder written by
 * {@link #save}, e.g. a saved classifier, whose head is dropped) and its {@code tokenizer.json}.
 *
 * @param id            the reference's short name, for provenance and model names
 * @param artifact      where the weights came from (Maven coordinates or the directory)
 * @param weights       the encoder's architecture and tensors (without a classification head)
 * @param tokenizerJson the word-piece tokenizer's {@code tokenizer.json}
 */
public record EncoderSource(String id, String artifact, ImportedEncoder weights, byte[] tokenizerJson) {
    static final String MODEL_FILE = "model.safetensors";
    static final String TOKENIZER_FILE = "tokenizer.json";
    private static final JsonMapper JSON = Json.mapper();

    /** Resolves {@code reference}: a {@link PretrainedEncoder} name, else a directory written by {@link #save}. */
    public static EncoderSource of(String reference) throws IOException {
        Path dir = Path.of(reference);
        if (!Files.isDirectory(dir)) {
            PretrainedEncoder e = PretrainedEncoder.named(reference);
            return new EncoderSource(e.id(), e.mavenCoordinates(), e.load(), e.tokenizerJson());
        }
        Path model = Files.isRegularFile(dir.resolve(MODEL_FILE)) ? dir.resolve(MODEL_FILE)
                : dir.resolve(SavedClassifier.DIRECTORY).resolve(MODEL_FILE);
        if (!Files.isRegularFile(model) || !Files.isRegularFile(model.resolveSibling(TOKENIZER_FILE))) {
            throw new UsageException("encoder '" + reference + "': the directory holds no " + MODEL_FILE + " and "
                    + TOKENIZER_FILE + "; name a shipped encoder (all-minilm-l6-v2, bge-small-en-v1.5) or a saved one");
        }
        Map<String, String> meta = SafetensorsIO.readMetadata(model);
        String config = meta.get(EncoderFamily.CONFIG_KEY);
        if (config == null) {
            throw new IOException(model + ": no '" + EncoderFamily.CONFIG_KEY + "' metadata; not an encoder saved by"
                    + " Sinter");
        }
        Map<String, INDArray> tensors = new LinkedHashMap<>(SafetensorsIO.read(model));
        tensors.keySet().removeIf(n -> n.startsWith(BertNames.CLASSIFIER + "."));
        ImportedEncoder weights = new ImportedEncoder(JSON.readValue(config, EncoderConfig.class), tensors,
                model.toString());
        return new EncoderSource(dir.getFileName().toString(), dir.toString(), weights,
                Files.readAllBytes(model.resolveSibling(TOKENIZER_FILE)));
    }

    /** The word-piece tokenizer (close it after use). */
    public EncoderTokenizer tokenizer() throws IOException {
        return EncoderTokenizer.read(new ByteArrayInputStream(tokenizerJson), id + "/" + TOKENIZER_FILE);
    }

    /** Writes {@code encoder} ({@code extra} metadata added to its own) and the tokenizer into {@code dir}. */
    public static void save(Path dir, BertEncoder encoder, byte[] tokenizerJson, Map<String, String> extra)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, String> meta = new LinkedHashMap<>(encoder.metadata());
        meta.putAll(extra);
        SafetensorsIO.write(dir.resolve(MODEL_FILE), encoder.parameters(), meta);
        Files.write(dir.resolve(TOKENIZER_FILE), tokenizerJson);
    }
}
