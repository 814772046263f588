/**
 * {@code sinter prepare} on Spark: source files tokenized in parallel, one task per file, into the same token shards
 * the single-process prepare writes.
 */
package dev.sinter.distributed.prepare;
