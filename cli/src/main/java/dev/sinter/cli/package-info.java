/**
 * The {@code sinter} command line (picocli, root {@link dev.sinter.cli.SinterCommand}) and
 * {@link dev.sinter.cli.Sinter}, the Java facade those commands call (train, sweep, evaluate, analyse, report). The
 * commands:
 * <ul>
 *   <li>{@code train}: train a model from a YAML run config ({@code key.path=value} overrides);</li>
 *   <li>{@code sweep}: run every variant of a sweep file (a base config plus named overrides), then its report;</li>
 *   <li>{@code study}: run a study file (stages per seed, resumable) and judge its claims
 *       ({@link dev.sinter.cli.study});</li>
 *   <li>{@code prepare}: tokenize {@code data.train} once into memory-mappable token shards;</li>
 *   <li>{@code generate}: generate text from a run, a checkpoint or a llama2.c {@code .bin} file;</li>
 *   <li>{@code eval}: zero-shot evaluation (lm-evaluation-harness semantics) or perplexity of a text file;</li>
 *   <li>{@code continual}: run a continual-learning config (a method over a sequence of classification tasks:
 *       accuracy matrix, forgetting, prompt retrieval; or prompt sets on a frozen decoder over text domains:
 *       perplexity matrix), resumable per task;</li>
 *   <li>{@code continual-data}: build the class-incremental source-identification benchmark from real data sets;</li>
 *   <li>{@code validate}: check YAML run configs, sweep files, study files and continual configs without running
 *       them;</li>
 *   <li>{@code ls}: list the registered model presets, model families, training tasks, trainer types, continual
 *       methods, tokenizers and eval tasks, the pretrained encoders and the shipped configs;</li>
 *   <li>{@code merge}: merge a LoRA adapter checkpoint into a dense model;</li>
 *   <li>{@code export}: write a model as a Hugging Face directory or a llama2.c {@code .bin} file;</li>
 *   <li>{@code report}: write the HTML/JSON report of a run, or compare runs with {@code --sweep DIR};</li>
 *   <li>{@code analyze}: analyses of a model; {@code analyze super-weights} finds super weights and super
 *       activations;</li>
 *   <li>{@code quantize}: round-to-nearest weight and INT8 activation quantization, with the super weights kept.</li>
 * </ul>
 */
package dev.sinter.cli;
