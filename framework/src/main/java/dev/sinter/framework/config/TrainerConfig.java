package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The {@code trainer:} section, selected by its {@code type:} key from a closed registry of type names.
 * To add a trainer, write a record implementing this interface and add it to {@code permits} and to
 * {@link JsonSubTypes} with its type name (never class names: the YAML only ever sees the registered names).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = FullTrainerConfig.class, name = FullTrainerConfig.TYPE),
        @JsonSubTypes.Type(value = LoraTrainerConfig.class, name = LoraTrainerConfig.TYPE),
        @JsonSubTypes.Type(value = SmtTrainerConfig.class, name = SmtTrainerConfig.TYPE),
        @JsonSubTypes.Type(value = KdTrainerConfig.class, name = KdTrainerConfig.TYPE),
        @JsonSubTypes.Type(value = MosTrainerConfig.class, name = MosTrainerConfig.TYPE),
})
public sealed interface TrainerConfig
        permits FullTrainerConfig, LoraTrainerConfig, SmtTrainerConfig, DistillationConfig {
    /** The registered type name, as written in the YAML {@code type:} key. */
    String type();

    /** Every registered type name, in registration order. */
    static java.util.List<String> typeNames() {
        return java.util.Arrays.stream(TrainerConfig.class.getAnnotation(JsonSubTypes.class).value())
                .map(JsonSubTypes.Type::name).toList();
    }
}
