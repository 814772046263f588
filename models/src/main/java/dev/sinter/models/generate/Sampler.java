package dev.sinter.models.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from one position's logits, in the order Hugging Face's {@code generate} applies its logits
 * processors: repetition penalty, then temperature, top-k and top-p (nucleus) filtering, then a draw; greedy (argmax
 * after the penalty) at temperature 0. Ids at or above {@link Generator.Settings#vocabLimit} are never picked.
 */
final class Sampler {
    private final Generator.Settings s;
    private final Random rng;
    private final double[] scores; // [n] the usable logits, penalised
    private final boolean[] seen; // [n] ids already in the sequence (prompt and generated)
    private final double[] probabilities; // [n] exp((score − max) / T), unnormalised
    private final Integer[] order; // [n] scratch for sorting

    Sampler(Generator.Settings s, int vocab) {
        int n = s.vocabLimit() == 0 ? vocab : Math.min(vocab, s.vocabLimit());
        this.s = s;
        this.rng = new Random(s.seed());
        this.scores = new double[n];
        this.seen = new boolean[n];
        this.probabilities = new double[n];
        this.order = new Integer[n];
    }

    /** Records that {@code id} is in the sequence (for the repetition penalty). */
    void saw(int id) {
        if (id >= 0 && id < seen.length) {
            seen[id] = true;
        }
    }

    /** The next token after {@code logits} {@code [V]}. */
    int next(float[] logits) {
        return next(logits, 0);
    }

    /** The next token after the logits {@code [V]} at {@code logits[offset …]} (a row of a batch's logits). */
    int next(float[] logits, int offset) {
        int n = scores.length;
        double penalty = s.repetitionPenalty();
        for (int i = 0; i < n; i++) {
            double z = logits[offset + i];
            // CTRL's penalty as HF applies it: a seen token's logit is divided by θ when positive, multiplied when not
            scores[i] = seen[i] && penalty != 1 ? (z > 0 ? z / penalty : z * penalty) : z;
        }
        return s.temperature() == 0 ? argmax(scores) : draw();
    }

    private int draw() {
        int n = scores.length;
        double max = Arrays.stream(scores).max().orElse(0);
        double[] p = probabilities;
        double total = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((scores[i] - max) / s.temperature());
            total += p[i];
        }
        if (s.topK() == 0 && s.topP() == 1) {
            return drawUnfiltered(total); // no filter: no sort (a 150k vocabulary's sort costs more than a step)
        }
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        int keep = s.topK() == 0 ? n : Math.min(s.topK(), n);
        double z = 0;
        for (int i = 0; i < keep; i++) {
            z += p[order[i]];
        }
        // nucleus over what top-k kept: the smallest prefix of the sorted distribution whose mass reaches top_p
        double mass = 0;
        int nucleus = 0;
        while (nucleus < keep && mass < s.topP()) {
            mass += p[order[nucleus++]] / z;
        }
        double r = rng.nextDouble() * mass;
        double acc = 0;
        for (int i = 0; i < nucleus; i++) {
            acc += p[order[i]] / z;
            if (r < acc) {
                return order[i];
            }
        }
        return order[nucleus - 1];
    }

    /** A draw from all of {@link #probabilities} (unnormalised, summing to {@code total}). */
    private int drawUnfiltered(double total) {
        double r = rng.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < probabilities.length; i++) {
            acc += probabilities[i];
            if (r < acc) {
                return i;
            }
        }
        return probabilities.length - 1;
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
}
