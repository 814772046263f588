package dev.sinter.encoders;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A tokenised, right-padded batch {@code [B][T]}: word-piece ids (padding id 0), token types and the attention mask
 * (1 for real tokens, 0 for padding).
 */
public record EncodedBatch(int[][] inputIds, int[][] tokenTypeIds, int[][] attentionMask) {
    public EncodedBatch {
        if (inputIds.length == 0 || inputIds.length != tokenTypeIds.length || inputIds.length != attentionMask.length) {
            throw new IllegalArgumentException("a batch needs B >= 1 rows of ids, types and mask alike, got "
                    + inputIds.length + ", " + tokenTypeIds.length + ", " + attentionMask.length);
        }
        int t = inputIds[0].length;
        for (int b = 0; b < inputIds.length; b++) {
            if (inputIds[b].length != t || tokenTypeIds[b].length != t || attentionMask[b].length != t) {
                throw new IllegalArgumentException("row " + b + " is not " + t + " tokens long (pad the batch)");
            }
        }
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int length() {
        return inputIds[0].length;
    }

    /** Rows {@code rows} of this batch, re-padded to their own longest sequence. */
    public EncodedBatch select(int[] rows) {
        int t = 1;
        for (int r : rows) {
            t = Math.max(t, realLength(r));
        }
        int[][] ids = new int[rows.length][t];
        int[][] types = new int[rows.length][t];
        int[][] mask = new int[rows.length][t];
        for (int k = 0; k < rows.length; k++) {
            System.arraycopy(inputIds[rows[k]], 0, ids[k], 0, t);
            System.arraycopy(tokenTypeIds[rows[k]], 0, types[k], 0, t);
            System.arraycopy(attentionMask[rows[k]], 0, mask[k], 0, t);
        }
        return new EncodedBatch(ids, types, mask);
    }

    private int realLength(int row) {
        int n = 0;
        for (int m : attentionMask[row]) {
            n += m;
        }
        return n;
    }

    /** The graph's placeholders ({@link BertEncoder#INPUT_IDS}, …) for this batch, in {@code dtype}. */
    public Map<String, INDArray> placeholders(DataType dtype) {
        int t = length();
        int[] positions = new int[t];
        for (int i = 0; i < t; i++) {
            positions[i] = i;
        }
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(BertEncoder.INPUT_IDS, Nd4j.createFromArray(inputIds));
        ph.put(BertEncoder.TOKEN_TYPE_IDS, Nd4j.createFromArray(tokenTypeIds));
        ph.put(BertEncoder.POSITION_IDS, Nd4j.createFromArray(positions));
        ph.put(BertEncoder.ATTENTION_MASK, Nd4j.createFromArray(attentionMask).castTo(dtype));
        return ph;
    }
}
