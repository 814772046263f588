package dev.sinter.models.hf;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Converts q/k projection rows between the two RoPE layouts of {@link dev.sinter.models.transformer.Rope}.
 *
 * <p>llama2.c (and Meta's original Llama) rotate adjacent channel pairs (2i, 2i+1) of each head; HF's
 * {@code rotate_half} pairs channel i with i + hd/2. HF's {@code convert_llama_weights_to_hf.py} therefore reorders the
 * output rows of {@code q_proj} and {@code k_proj} inside every head, {@code (h, i, two) → (h, two, i)}: row
 * {@code two·hd/2 + i} of head h in the HF layout is row {@code 2i + two} in the adjacent layout. Because attention
 * scores are dot products of q and k rotated by the same angles, reordering both the same way leaves the logits
 * unchanged. Biases of q/k (Qwen2) are reordered like rows.
 */
public final class RopeLayout {
    private RopeLayout() {
    }

    /** Adjacent-pair rows → rotate-half rows (HF's {@code permute}) of a {@code [heads·hd, in]} weight or {@code [heads·hd]} bias. */
    public static INDArray adjacentToHalf(INDArray w, int heads) {
        return reorder(w, heads, true);
    }

    /** Rotate-half rows → adjacent-pair rows: the inverse of {@link #adjacentToHalf}. */
    public static INDArray halfToAdjacent(INDArray w, int heads) {
        return reorder(w, heads, false);
    }

    private static INDArray reorder(INDArray w, int heads, boolean toHalf) {
        long rows = w.size(0);
        if (rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new IllegalArgumentException(rows + " rows do not split into " + heads + " heads of even size");
        }
        int hd = (int) (rows / heads);
        int half = hd / 2;
        int[] source = new int[(int) rows]; // new row r takes old row source[r]
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int two = 0; two < 2; two++) {
                    int halfRow = h * hd + two * half + i;
                    int adjacentRow = h * hd + 2 * i + two;
                    source[toHalf ? halfRow : adjacentRow] = toHalf ? adjacentRow : halfRow;
                }
            }
        }
        INDArray matrix = w.rank() == 1 ? w.reshape(rows, 1) : w; // [rows, in]
        INDArray out = matrix.getRows(source).dup('c');
        return w.rank() == 1 ? out.reshape(rows) : out;
    }
}
