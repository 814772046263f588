/**
 * The config machinery: YAML files bound by {@link dev.sinter.framework.config.ConfigLoader} to immutable, validated
 * records, plus the engine's own sections (data, training, checkpoints, tokenizer, samples). Keys are snake_case;
 * omitted optional keys take documented defaults; {@code key.path=value} overrides from the command line are applied
 * before binding; a polymorphic section such as {@code trainer:} is chosen by its {@code type:} name among the
 * registered {@link dev.sinter.framework.config.ConfigType}s. The records of model families and trainers live in the
 * modules that implement them. Every mistake surfaces as a one-line
 * {@link dev.sinter.framework.config.ConfigException} of the form {@code file:line: key.path: problem; fix}.
 */
package dev.sinter.framework.config;
