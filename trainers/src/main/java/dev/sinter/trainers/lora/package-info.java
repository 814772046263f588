/** LoRA (low-rank adapters, PEFT semantics): the adapter projection, the trainer, and merging into a dense model. */
package dev.sinter.trainers.lora;
