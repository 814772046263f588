package dev.sinter.framework.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Byte-level tokenizer: ids 0..255 are the UTF-8 bytes of the text, {@value #BOS} is BOS, {@value #EOS} is EOS,
 * {@value #PAD} is padding and 259 is reserved, so {@link #vocabSize()} is 260. Decoding never throws on malformed
 * UTF-8: invalid byte sequences become U+FFFD.
 */
public final class ByteTokenizer implements Tokenizer {
    /** Beginning-of-sequence id. */
    public static final int BOS = 256;
    /** End-of-sequence id. */
    public static final int EOS = 257;
    /** Padding id. */
    public static final int PAD = 258;
    /** Vocabulary size: 256 bytes, BOS, EOS, PAD and one reserved id. */
    public static final int VOCAB_SIZE = 260;

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int bos() {
        return BOS;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        Objects.requireNonNull(text, "text");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int start = addBos ? 1 : 0;
        int[] ids = new int[bytes.length + start + (addEos ? 1 : 0)];
        if (addBos) {
            ids[0] = BOS;
        }
        for (int i = 0; i < bytes.length; i++) {
            ids[start + i] = bytes[i] & 0xFF;
        }
        if (addEos) {
            ids[ids.length - 1] = EOS;
        }
        return ids;
    }

    /** Decodes the byte ids as UTF-8 (malformed sequences become U+FFFD); BOS, EOS, PAD and 259 are skipped. */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " is outside the byte vocabulary [0, "
                        + VOCAB_SIZE + ")");
            }
            if (id < 256) {
                bytes.write(id);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String describe() {
        return "byte";
    }
}
