/**
 * Pretrained BERT-style encoders (all-MiniLM-L6-v2, bge-small-en-v1.5) shipped in Maven Central jars: their ONNX
 * weights imported into a SameDiff graph ({@link dev.sinter.encoders.BertEncoder}) with HF names and {@code [out, in]}
 * weights, their HF tokenizers, the {@code encoder} model family ({@link dev.sinter.encoders.EncoderFamily}) through
 * which every trainer fine-tunes them, the {@code classification} training task
 * ({@link dev.sinter.encoders.ClassificationTaskConfig}), and the saved classifier as a Tribuo {@code Model<Label>}
 * ({@link dev.sinter.encoders.SavedClassifier}).
 */
package dev.sinter.encoders;
