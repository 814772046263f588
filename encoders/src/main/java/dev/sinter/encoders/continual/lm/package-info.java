/**
 * The decoder variant of the continual prompt methods (issue 17, item 6): prefix prompt sets on a frozen causal LM
 * learn a sequence of text domains ({@code sequential-prompt}, {@code always-grow}, {@code lw2g}); after each domain
 * the per-domain perplexity is measured with each test window's retrieved set, giving a perplexity matrix, forgetting
 * in NLL terms and PRA ({@link dev.sinter.encoders.continual.lm.LmContinualRunner}).
 */
package dev.sinter.encoders.continual.lm;
