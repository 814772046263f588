/**
 * Corpora larger than the heap: {@link dev.sinter.framework.data.shards.ShardWriter} tokenizes text or jsonl files once
 * into fixed-size little-endian token shards with an {@code index.json}, and
 * {@link dev.sinter.framework.data.shards.ShardedTokens} memory-maps them for training.
 */
package dev.sinter.framework.data.shards;
