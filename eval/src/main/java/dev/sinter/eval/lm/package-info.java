/**
 * The {@link dev.sinter.eval.lm.LanguageModel} contract of zero-shot evaluation (log-likelihood of a continuation,
 * rolling log-likelihood of a text), lm-evaluation-harness semantics, and its implementation over a Sinter
 * {@link dev.sinter.models.transformer.TransformerModel}.
 */
package dev.sinter.eval.lm;
