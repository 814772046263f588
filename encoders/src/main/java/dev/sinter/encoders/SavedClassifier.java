package dev.sinter.encoders;

import dev.sinter.framework.util.Json;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.oracle.labs.mlrg.olcut.provenance.io.ProvenanceSerializationException;
import com.oracle.labs.mlrg.olcut.provenance.io.XMLProvenanceSerialization;
import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.models.transformer.LinearLayer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.tribuo.provenance.ModelProvenance;

/**
 * A fine-tuned classifier on disk, the {@code classifier/} directory of a classification run: {@code model.safetensors}
 * (the dense encoder with its head; metadata: the architecture, the class names, the maximum length, the model name),
 * {@code tokenizer.json}, and the Tribuo model provenance as OLCUT XML in {@code provenance.xml}. {@link #load} gives
 * back the Tribuo {@code Model<Label>} with that provenance.
 */
public final class SavedClassifier {
    /** The classifier's directory inside a run directory. */
    public static final String DIRECTORY = "classifier";
    private static final String MODEL_FILE = EncoderSource.MODEL_FILE;
    private static final String TOKENIZER_FILE = EncoderSource.TOKENIZER_FILE;
    private static final String PROVENANCE_FILE = "provenance.xml";
    private static final String CLASS_NAMES_KEY = "sinter.class_names";
    private static final String MAX_LENGTH_KEY = "sinter.max_length";
    private static final String NAME_KEY = "sinter.model_name";
    private static final JsonMapper JSON = Json.mapper();

    private SavedClassifier() {
    }

    /** Writes {@code model} (and the tokenizer's {@code tokenizer.json} bytes) into {@code dir}. */
    public static void save(Path dir, EncoderTribuoModel model, byte[] tokenizerJson) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(CLASS_NAMES_KEY, JSON.writeValueAsString(model.classes()));
        meta.put(MAX_LENGTH_KEY, Integer.toString(model.maxLength()));
        meta.put(NAME_KEY, model.getName());
        EncoderSource.save(dir, model.encoder(), tokenizerJson, meta);
        Files.writeString(dir.resolve(PROVENANCE_FILE),
                new XMLProvenanceSerialization(true).marshalAndSerialize(model.getProvenance()));
    }

    /** The classifier saved in {@code path}: a run directory or its {@code classifier/} directory. */
    public static EncoderTribuoModel load(Path path) throws IOException {
        Path dir = Files.isRegularFile(path.resolve(MODEL_FILE)) ? path : path.resolve(DIRECTORY);
        if (!Files.isRegularFile(dir.resolve(MODEL_FILE))) {
            throw new IOException(path + " holds no saved classifier (no " + DIRECTORY + "/" + MODEL_FILE
                    + "); give the directory of a finished classification run");
        }
        Map<String, String> meta = SafetensorsIO.readMetadata(dir.resolve(MODEL_FILE));
        for (String key : List.of(EncoderFamily.CONFIG_KEY, EncoderFamily.CLASSES_KEY, CLASS_NAMES_KEY, MAX_LENGTH_KEY,
                NAME_KEY)) {
            if (!meta.containsKey(key)) {
                throw new IOException(dir.resolve(MODEL_FILE) + ": no '" + key + "' metadata; it is not a classifier"
                        + " saved by Sinter");
            }
        }
        EncoderConfig config = JSON.readValue(meta.get(EncoderFamily.CONFIG_KEY), EncoderConfig.class);
        List<String> classes = JSON.readValue(meta.get(CLASS_NAMES_KEY), new TypeReference<List<String>>() { });
        BertEncoder encoder = BertEncoder.create(config, Integer.parseInt(meta.get(EncoderFamily.CLASSES_KEY)),
                DataType.FLOAT, 0, LinearLayer.DENSE);
        encoder.loadParameters(SafetensorsIO.read(dir.resolve(MODEL_FILE)), dir.resolve(MODEL_FILE).toString());
        EncoderTokenizer tokenizer = EncoderTokenizer.read(
                new ByteArrayInputStream(Files.readAllBytes(dir.resolve(TOKENIZER_FILE))),
                dir.resolve(TOKENIZER_FILE).toString());
        ModelProvenance provenance;
        try {
            provenance = (ModelProvenance) new XMLProvenanceSerialization(true)
                    .deserializeAndUnmarshal(Files.readString(dir.resolve(PROVENANCE_FILE)));
        } catch (ProvenanceSerializationException | ClassCastException e) {
            throw new IOException(dir.resolve(PROVENANCE_FILE) + ": not a Tribuo model provenance: " + e.getMessage(), e);
        }
        return EncoderTribuoModel.restore(meta.get(NAME_KEY), provenance, encoder, tokenizer, classes,
                Integer.parseInt(meta.get(MAX_LENGTH_KEY)));
    }
}
