/**
 * Text data for training and evaluation: tokenizers (the byte-level {@link dev.sinter.framework.data.ByteTokenizer}
 * and llama2.c's SentencePiece-style BPE {@link dev.sinter.framework.data.Llama2cTokenizer}, registered by name as
 * {@link dev.sinter.framework.data.TokenizerType}s), reading corpora from files or the classpath
 * ({@link dev.sinter.framework.data.TextSource}), tokenized train/validation splits
 * ({@link dev.sinter.framework.data.TokenCorpus}) and the deterministic, resumable window sampler
 * ({@link dev.sinter.framework.data.BatchSampler}) that feeds training batches.
 */
package dev.sinter.framework.data;
