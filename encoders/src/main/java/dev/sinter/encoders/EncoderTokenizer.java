package dev.sinter.encoders;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * A HF {@code tokenizer.json} (BERT WordPiece, lowercasing) through DJL's tokenizers: {@code [CLS] a [SEP]} or
 * {@code [CLS] a [SEP] b [SEP]} with token types 0/1, truncated (longest first) to a maximum length and right-padded
 * with id 0 into an {@link EncodedBatch}. DJL's jar bundles the native library for linux-x86_64 (extracted to
 * {@code ~/.djl.ai}); nothing is downloaded.
 */
public final class EncoderTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final String source;

    private EncoderTokenizer(HuggingFaceTokenizer tokenizer, String source) {
        this.tokenizer = tokenizer;
        this.source = source;
    }

    /** Reads a {@code tokenizer.json}. */
    public static EncoderTokenizer read(InputStream in, String source) throws IOException {
        // padding is done here (per batch); truncation per call, so the json's own settings are switched off
        Map<String, String> options = Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false");
        try {
            return new EncoderTokenizer(HuggingFaceTokenizer.newInstance(in, options), source);
        } catch (RuntimeException e) {
            throw new IOException(source + ": not a readable HF tokenizer.json (" + e.getMessage() + ")", e);
        }
    }

    /** Token ids of one text with {@code [CLS]}/{@code [SEP]}. */
    public int[] ids(String text) {
        return toInt(tokenizer.encode(text).getIds());
    }

    /** Single texts, each truncated to {@code maxLength} tokens (specials included), padded to the longest. */
    public EncodedBatch encode(List<String> texts, int maxLength) {
        return encodePairs(texts, null, maxLength);
    }

    /**
     * Text pairs {@code [CLS] a [SEP] b [SEP]} (token type 1 for b), truncated longest-first to {@code maxLength}.
     *
     * @param second the second texts, or null for single texts
     */
    public EncodedBatch encodePairs(List<String> first, List<String> second, int maxLength) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("max length must be >= 3 ([CLS] x [SEP]), got " + maxLength);
        }
        int n = first.size();
        int[][] ids = new int[n][];
        int[][] types = new int[n][];
        int t = 1;
        for (int i = 0; i < n; i++) {
            Encoding e = second == null ? tokenizer.encode(first.get(i)) : tokenizer.encode(first.get(i), second.get(i));
            int[] id = toInt(e.getIds());
            int[] ty = toInt(e.getTypeIds());
            if (id.length > maxLength) {
                int[][] cut = truncate(id, ty, maxLength);
                id = cut[0];
                ty = cut[1];
            }
            ids[i] = id;
            types[i] = ty;
            t = Math.max(t, id.length);
        }
        int[][] pid = new int[n][t];
        int[][] pty = new int[n][t];
        int[][] mask = new int[n][t];
        for (int i = 0; i < n; i++) {
            System.arraycopy(ids[i], 0, pid[i], 0, ids[i].length);
            System.arraycopy(types[i], 0, pty[i], 0, types[i].length);
            java.util.Arrays.fill(mask[i], 0, ids[i].length, 1);
        }
        return new EncodedBatch(pid, pty, mask);
    }

    /**
     * Longest-first truncation of an encoded single or pair ({@code [CLS] a [SEP] (b [SEP])}) to {@code max} tokens,
     * keeping the special tokens (HF's {@code longest_first}: drop from the end of the longer segment).
     */
    private static int[][] truncate(int[] ids, int[] types, int max) {
        int sep1 = -1;
        for (int i = 1; i < ids.length; i++) {
            if (types[i] == 1) {
                sep1 = i - 1;
                break;
            }
        }
        if (sep1 < 0) { // single: [CLS] a… [SEP]
            int[] out = java.util.Arrays.copyOf(ids, max);
            out[max - 1] = ids[ids.length - 1];
            return new int[][]{out, new int[max]};
        }
        int la = sep1 - 1;
        int lb = ids.length - sep1 - 2;
        while (la + lb + 3 > max) {
            if (la >= lb) {
                la--;
            } else {
                lb--;
            }
        }
        int[] out = new int[max];
        int[] ty = new int[max];
        System.arraycopy(ids, 0, out, 0, la + 1);
        out[la + 1] = ids[sep1];
        System.arraycopy(ids, sep1 + 1, out, la + 2, lb);
        out[max - 1] = ids[ids.length - 1];
        java.util.Arrays.fill(ty, la + 2, max, 1);
        return new int[][]{out, ty};
    }

    private static int[] toInt(long[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.toIntExact(a[i]);
        }
        return out;
    }

    public String source() {
        return source;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
