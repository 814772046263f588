/**
 * The decoder-only transformer as a SameDiff graph: builder, parameter/intermediate names (HF Llama), rotary tables,
 * and {@link dev.sinter.models.transformer.TransformerModel}, the handle every other module uses.
 */
package dev.sinter.models.transformer;
