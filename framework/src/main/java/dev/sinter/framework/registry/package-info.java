/**
 * Plug-in registries: one {@link dev.sinter.framework.registry.Registry} per plug-in kind, filled by each module's
 * {@link dev.sinter.framework.registry.SinterPlugin} through {@link java.util.ServiceLoader}.
 */
package dev.sinter.framework.registry;
