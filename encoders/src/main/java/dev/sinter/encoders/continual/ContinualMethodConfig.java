package dev.sinter.encoders.continual;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The {@code continual.method:} section, selected by its {@code type:} key among the registered
 * {@link ContinualMethod}s ({@code sequential}, {@code joint}, and the prompt methods of their module).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface ContinualMethodConfig {
    /** The registered method name, as written in the YAML {@code type:} key. */
    String type();
}
