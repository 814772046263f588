package dev.sinter.models.generate;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.transformer.TransformerModel;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Autoregressive sampling: greedy at temperature 0, otherwise temperature + nucleus (top-p) sampling with a seed.
 *
 * <p>Each step re-runs the full (window-truncated) sequence; there is no KV cache yet.
 */
public final class Generator {
    private final TransformerModel model;

    public Generator(TransformerModel model) {
        this.model = model;
    }

    /** Sampling settings. */
    public record Settings(int maxNewTokens, double temperature, double topP, long seed, int stopToken) {
        public Settings {
            if (maxNewTokens < 0) {
                throw new UsageException("max_new_tokens must be >= 0, got " + maxNewTokens);
            }
            if (!(temperature >= 0)) {
                throw new UsageException("temperature must be >= 0, got " + temperature);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new UsageException("top_p must be in (0, 1], got " + topP);
            }
        }
    }

    /** Generates after {@code prompt} (non-empty), calling {@code onToken} for each new id; returns the new ids. */
    public int[] generate(int[] prompt, Settings s, IntConsumer onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token (e.g. BOS)");
        }
        Random rng = new Random(s.seed());
        int window = model.config().maxSeqLen();
        int[] seq = Arrays.copyOf(prompt, prompt.length + s.maxNewTokens());
        int len = prompt.length;
        for (int step = 0; step < s.maxNewTokens(); step++) {
            int start = Math.max(0, len - window);
            int[] ctx = Arrays.copyOfRange(seq, start, len);
            INDArray logits = model.transientLogits(new int[][]{ctx}); // [1, T, V], read at once
            double[] last = logits.get(NDArrayIndex.point(0), NDArrayIndex.point(ctx.length - 1), NDArrayIndex.all())
                    .castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
            int next = s.temperature() == 0 ? argmax(last) : sample(last, s.temperature(), s.topP(), rng);
            seq[len++] = next;
            onToken.accept(next);
            if (next == s.stopToken()) {
                break;
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, len);
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static int sample(double[] logits, double temperature, double topP, Random rng) {
        int n = logits.length;
        double max = Arrays.stream(logits).max().orElse(0);
        double[] p = new double[n];
        double z = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            z += p[i];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            p[i] /= z;
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        // nucleus: the smallest prefix of the sorted distribution whose mass reaches top_p
        double mass = 0;
        int keep = 0;
        while (keep < n && mass < topP) {
            mass += p[order[keep++]];
        }
        double r = rng.nextDouble() * mass;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += p[order[i]];
            if (r < acc) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
