/**
 * Data-parallel training on Apache Spark: the {@code distributed:} section of a run config. The only module with a
 * Spark dependency; the core modules (framework, models, trainers) stay free of it.
 */
package dev.sinter.distributed;
