/**
 * Hugging Face Llama-family model directories in and out: {@link dev.sinter.models.hf.HfLlamaImporter} reads a
 * {@code config.json} plus single-file or sharded safetensors (F32, F16, BF16) of {@code LlamaForCausalLM},
 * {@code MistralForCausalLM} (no sliding window) and {@code Qwen2ForCausalLM} (q/k/v biases), validating everything
 * before any tensor is allocated; {@link dev.sinter.models.hf.HfExporter} writes a directory {@code transformers}
 * loads. {@link dev.sinter.models.hf.RopeLayout} converts q/k projections between llama2.c's adjacent-pair RoPE
 * layout and HF's rotate-half layout.
 */
package dev.sinter.models.hf;
