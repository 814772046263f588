/**
 * Mixture-of-Experts feed-forward layers with DeepSpeed-MoE semantics (papers.md §3.4): top-1/top-2 gating,
 * capacity and token dropping with random token selection, the load-balancing loss, Pyramid expert counts and
 * Residual MoE. {@link dev.sinter.models.moe.MoeGating} is the router's bookkeeping, {@link
 * dev.sinter.models.moe.MoeLayer} the dispatch/experts/combine graph, {@link dev.sinter.models.moe.MoeInputs} the
 * per-batch placeholders (capacity, seeded noise).
 */
package dev.sinter.models.moe;
