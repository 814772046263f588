/**
 * Pretrained BERT-style encoders (all-MiniLM-L6-v2, bge-small-en-v1.5) shipped in Maven Central jars: their ONNX
 * weights imported into a SameDiff graph ({@link dev.sinter.encoders.BertEncoder}) with HF names and {@code [out, in]}
 * weights, their HF tokenizers, text-classification fine-tuning (full, LoRA, SMT) over the pooled output, and a Tribuo
 * {@code Model<Label>} for serving.
 */
package dev.sinter.encoders;
