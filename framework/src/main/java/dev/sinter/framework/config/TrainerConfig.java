package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The {@code trainer:} section, selected by its {@code type:} key among the registered trainer types (a
 * {@link ConfigType} per trainer, registered by the module that implements it). The YAML only ever sees the
 * registered names, never class names.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface TrainerConfig {
    /** The registered type name, as written in the YAML {@code type:} key. */
    String type();

}
