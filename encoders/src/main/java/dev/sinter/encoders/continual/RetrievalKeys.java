package dev.sinter.encoders.continual;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DualPrompt-style prompt retrieval: each prompt set's key is the sum of the (L2-normalised, frozen) queries of the
 * data that trained it, and an input uses the set whose key has the highest cosine with its query. Shared by the
 * encoder and decoder prompt learners; saved with their checkpoints under two tensor names.
 */
public final class RetrievalKeys {
    private static final String SUMS = "retrieval.key_sums"; // [S, D] sums of normalised queries
    private static final String COUNTS = "retrieval.key_counts"; // [S]

    private final List<double[]> sums = new ArrayList<>();
    private final List<Integer> counts = new ArrayList<>();

    /** Adds these queries [n, D] to set {@code set}'s key, creating empty keys up to it. */
    public void add(int set, INDArray queries) {
        while (sums.size() <= set) {
            sums.add(new double[(int) queries.columns()]);
            counts.add(0);
        }
        double[] sum = queries.sum(0).toDoubleVector();
        double[] key = sums.get(set);
        for (int j = 0; j < key.length; j++) {
            key[j] += sum[j];
        }
        counts.set(set, counts.get(set) + (int) queries.rows());
    }

    /** The set whose key has the highest cosine with each query [n, D] (ties: the lower set). */
    public int[] nearest(INDArray queries) {
        int n = (int) queries.rows();
        int[] out = new int[n];
        if (sums.size() == 1) {
            return out; // all set 0
        }
        INDArray keys = Nd4j.createFromArray(sums.toArray(double[][]::new)); // [S, D]
        INDArray cosines = queries.mmul(keys.divColumnVector(keys.norm2(1).reshape(-1, 1)).transpose()); // [n, S]
        for (int i = 0; i < n; i++) {
            out[i] = cosines.getRow(i).argMax().getInt(0);
        }
        return out;
    }

    /** Puts the keys into a checkpoint's tensors. */
    public void saveTo(Map<String, INDArray> tensors) {
        tensors.put(SUMS, Nd4j.createFromArray(sums.toArray(double[][]::new)));
        tensors.put(COUNTS, Nd4j.createFromArray(counts.stream().mapToDouble(Integer::doubleValue).toArray()));
    }

    /** Replaces the keys with those of a checkpoint's tensors. */
    public void restoreFrom(Map<String, INDArray> tensors) {
        sums.clear();
        counts.clear();
        INDArray saved = tensors.get(SUMS);
        for (int s = 0; s < saved.rows(); s++) {
            sums.add(saved.getRow(s).toDoubleVector());
            counts.add(tensors.get(COUNTS).getInt(s));
        }
    }
}
