package dev.sinter.framework.config;

import dev.sinter.framework.registry.Registry;

/**
 * A registry entry that is also one choice of a polymorphic config section: the section's {@code type:} key
 * (its {@link #name()}) selects {@link #recordType()}. {@link ConfigLoader} binds every registered config type.
 */
public interface ConfigType extends Registry.Entry {
    /** The section interface the record implements (e.g. {@link TrainerConfig}). */
    Class<?> section();

    /** The record the section binds to. */
    Class<?> recordType();
}
