/** Text generation from a {@link dev.sinter.models.transformer.TransformerModel}: greedy, temperature, top-p. */
package dev.sinter.models.generate;
