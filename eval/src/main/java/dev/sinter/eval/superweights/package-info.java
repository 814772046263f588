/**
 * Super weights and super activations (papers.md §1): the detector ({@link dev.sinter.eval.superweights.SuperWeightDetector},
 * one forward pass per prompt, a spike attributed to one or more weights of its row, iterate after zeroing; every
 * expert and the residual MLP of Mixture-of-Experts layers read on their own), exact and undoable weight edits
 * ({@link dev.sinter.eval.superweights.WeightEdit}), the "prune the super weight but restore the super activation"
 * model ({@link dev.sinter.eval.superweights.SuperActivationRestore}), the ablation table and scaling sweep through the
 * eval harness ({@link dev.sinter.eval.superweights.Ablations}), the stopword shift
 * ({@link dev.sinter.eval.superweights.StopwordShift}), emergence during training
 * ({@link dev.sinter.eval.superweights.EmergenceListener}) and the HTML/JSON report
 * ({@link dev.sinter.eval.superweights.SuperWeightReport}).
 */
package dev.sinter.eval.superweights;
