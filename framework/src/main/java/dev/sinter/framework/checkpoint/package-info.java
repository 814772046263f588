/**
 * Checkpoint persistence. {@link dev.sinter.framework.checkpoint.SafetensorsIO} reads and writes the Hugging Face
 * safetensors format by hand (little-endian header length, JSON header, raw little-endian row-major data), validating
 * untrusted files completely before allocating any tensor, so checkpoints interoperate with the Python ecosystem.
 */
package dev.sinter.framework.checkpoint;
