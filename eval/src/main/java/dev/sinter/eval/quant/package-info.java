/**
 * Super-outlier-aware quantization (papers.md §1.7): asymmetric round-to-nearest over flattened blocks
 * ({@link dev.sinter.eval.quant.Rtn}), weight quantization with optional z-score clipping and super-weight restore
 * ({@link dev.sinter.eval.quant.WeightQuantizer}), per-tensor INT8 fake quantization of the {@code down_proj}
 * outputs with the super activation held out ({@link dev.sinter.eval.quant.ActivationQuantization}), and the table
 * of settings ({@link dev.sinter.eval.quant.QuantizationStudy}).
 */
package dev.sinter.eval.quant;
