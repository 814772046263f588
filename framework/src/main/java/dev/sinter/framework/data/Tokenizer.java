package dev.sinter.framework.data;

/** Text ↔ token ids. Implementations are immutable and thread-safe. */
public interface Tokenizer {
    /** Number of ids the model's embedding must cover. */
    int vocabSize();

    /** Beginning-of-sequence id. */
    int bos();

    /** End-of-sequence id. */
    int eos();

    /** Encodes text; optionally prefixes BOS and appends EOS. */
    int[] encode(String text, boolean addBos, boolean addEos);

    /** Decodes ids to text, skipping BOS/EOS. */
    String decode(int[] ids);

    /** A short description for logs and provenance, e.g. {@code byte} or {@code llama2c:tok512.bin}. */
    String describe();
}
