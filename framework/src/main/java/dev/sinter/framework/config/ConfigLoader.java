package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sinter.framework.registry.Plugins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads YAML run configs into validated records. Keys are snake_case; {@code key.path=value} overrides (values
 * parsed as YAML) are applied before binding. Every problem is a one-line {@link ConfigException} naming the file,
 * line, key path and a fix.
 */
public final class ConfigLoader {
    /** The mapper, built on first use with every registered {@link ConfigType} as a named sub-type. */
    private static final class Holder {
        static final YAMLMapper MAPPER = build();

        private static YAMLMapper build() {
            YAMLMapper mapper = YAMLMapper.builder()
                    .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER, YAMLGenerator.Feature.USE_NATIVE_TYPE_ID)
                    .serializationInclusion(JsonInclude.Include.NON_NULL)
                    .build();
            for (ConfigType t : Plugins.get().entriesOf(ConfigType.class)) {
                mapper.registerSubtypes(new NamedType(t.recordType(), t.name()));
            }
            return mapper;
        }
    }

    private ConfigLoader() {
    }

    /** The YAML mapper of every config record (snake_case keys, unknown keys rejected, registered sub-types). */
    static YAMLMapper mapper() {
        return Holder.MAPPER;
    }

    /** The registered type names of a polymorphic section (e.g. every trainer type), in registration order. */
    public static List<String> typeNames(Class<?> section) {
        return Plugins.get().entriesOf(ConfigType.class).stream().filter(t -> t.section() == section)
                .map(ConfigType::name).toList();
    }

    /** Binds a YAML file to any config record of this package's conventions, with overrides applied. */
    public static <T> T bind(Path file, Class<T> type, List<String> overrides) {
        return bindText(read(file), file.toString(), type, overrides);
    }

    /** Binds YAML text; {@code sourceName} stands for the file name in error messages. */
    public static <T> T bindString(String yaml, String sourceName, Class<T> type, List<String> overrides) {
        return bindText(yaml, sourceName, type, overrides);
    }

    /** A config record as snake_case YAML with every default spelled out; loading it back gives an equal record. */
    public static String toYaml(Object config) {
        try {
            return mapper().writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the config as YAML", e);
        }
    }

    private static <T> T bindText(String yaml, String sourceName, Class<T> type, List<String> overrides) {
        YamlSource source = YamlSource.parse(yaml, sourceName);
        overrides.forEach(source::override);
        try {
            return mapper().treeToValue(source.tree(), type);
        } catch (JsonProcessingException e) {
            throw BindingErrors.translate(e, source);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found; check the path (relative to "
                    + Path.of("").toAbsolutePath() + ")");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the file (" + e + ")");
        }
    }
}
