/**
 * Zero-shot tasks: a shared multiple-choice core ({@link dev.sinter.eval.tasks.MultipleChoiceTask}, with lm-eval's
 * partial scoring for Winograd-style items), LAMBADA, perplexity over text files, the loaders of the shared
 * evaluation files, the registered tasks ({@link dev.sinter.eval.tasks.TaskType}, parsed from
 * {@code --tasks} by {@link dev.sinter.eval.tasks.Tasks}) and user tasks defined by a jsonl
 * file plus a YAML field mapping ({@link dev.sinter.eval.tasks.TaskSpec}).
 */
package dev.sinter.eval.tasks;
