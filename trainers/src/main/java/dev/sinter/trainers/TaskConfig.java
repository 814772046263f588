package dev.sinter.trainers;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The {@code task:} section of a run, selected by its {@code type:} key among the registered
 * {@link TrainingTaskType}s (e.g. {@code classification}); absent for language modelling on {@code data:}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface TaskConfig {
    /** The registered type name, as written in the YAML {@code type:} key. */
    String type();
}
