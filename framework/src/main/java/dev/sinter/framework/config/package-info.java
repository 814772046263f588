/**
 * Run configuration: YAML files bound by {@link dev.sinter.framework.config.ConfigLoader} to immutable, validated
 * records ({@link dev.sinter.framework.config.RunConfig} and its sections). Keys are snake_case; omitted optional
 * keys take documented defaults; {@code key.path=value} overrides from the command line are applied before
 * binding; the model section names a preset from {@link dev.sinter.framework.config.ModelPresets} and is resolved
 * to a {@link dev.sinter.framework.config.ModelConfig} while loading; the trainer section is chosen by its
 * {@code type:} name. Every mistake surfaces as a one-line
 * {@link dev.sinter.framework.config.ConfigException} of the form {@code file:line: key.path: problem; fix}.
 */
package dev.sinter.framework.config;
