package dev.sinter.framework.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The JSON mapper every module shares (run files, reports, checkpoints, HF files, task data). Its settings: unknown
 * properties are errors, records map by their component names as written, map entries keep their order, output is
 * one line ({@link #write}, what a {@code .jsonl} row needs) unless written through {@link #pretty()}, and NaN or
 * infinite doubles are written as the strings {@code "NaN"}/{@code "Infinity"} (and read back).
 *
 * <p>The mapper is shared: never reconfigure it. A reader or writer with other settings derives from it
 * ({@code mapper().readerFor(T.class).with(…)}); a mapper with other settings of its own says why where it is built.
 */
public final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

    private Json() {
    }

    /** The shared mapper. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** The shared mapper's writer with two-space indentation, for files people read. */
    public static ObjectWriter pretty() {
        return PRETTY;
    }

    /** The tree of a JSON document. */
    public static JsonNode read(String json) throws JsonProcessingException {
        return MAPPER.readTree(json);
    }

    /** The tree of a JSON file. */
    public static JsonNode read(Path file) throws IOException {
        return MAPPER.readTree(file.toFile());
    }

    /** A JSON file bound to {@code type}. */
    public static <T> T read(Path file, Class<T> type) throws IOException {
        return MAPPER.readValue(file.toFile(), type);
    }

    /** {@code value} as one line of JSON. */
    public static String write(Object value) throws JsonProcessingException {
        return MAPPER.writeValueAsString(value);
    }

    /** Writes {@code value} as indented JSON to {@code file}. */
    public static void writePretty(Path file, Object value) throws IOException {
        PRETTY.writeValue(file.toFile(), value);
    }
}
