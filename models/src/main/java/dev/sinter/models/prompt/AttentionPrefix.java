package dev.sinter.models.prompt;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * What an attention layer prepends to its keys and values (prefix-tuning): given a layer's keys and values
 * {@code [B, H, T, hd]} and its additive attention bias (broadcastable to {@code [B, H, T, T]}, last axis the keys),
 * returns keys and values {@code [B, H, P + T, hd]} and a bias whose last axis covers the P prefix columns too.
 * Implementations create their parameters and placeholders in {@code sd} on first use, so one instance serves any
 * graph of the same architecture.
 */
public interface AttentionPrefix {
    /** No prefix: keys, values and bias unchanged. */
    AttentionPrefix NONE = (sd, layer, keys, values, bias) -> new Prefixed(keys, values, bias);

    /**
     * The prefixed attention inputs of layer {@code layer}.
     *
     * @param keys   {@code [B, H, T, hd]}, after the key projection (and after RoPE in a decoder: prefixes get none)
     * @param values {@code [B, H, T, hd]}
     * @param bias   additive bias, last axis over the T keys
     */
    Prefixed extend(SameDiff sd, int layer, SDVariable keys, SDVariable values, SDVariable bias);

    /** Keys and values {@code [B, H, P + T, hd]} and the bias over P + T key columns. */
    record Prefixed(SDVariable keys, SDVariable values, SDVariable bias) {
    }
}
