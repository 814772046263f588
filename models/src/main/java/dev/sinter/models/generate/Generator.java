package dev.sinter.models.generate;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.decode.DecoderWeights;
import dev.sinter.models.decode.KvCacheDecoder;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation: greedy at temperature 0, otherwise temperature, top-k and nucleus (top-p) sampling with
 * a seed, with an optional repetition penalty; it stops after {@code max_new_tokens} or at the stop token.
 *
 * <p>Tokens come from a {@link KvCacheDecoder}: the prompt is prefilled once, then each new token costs one
 * single-token forward pass over cached keys and values, in plain Java outside the SameDiff executor. The decoder's
 * logits equal the model graph's (tested for every model kind); the weights are copied once per generator, so
 * several sequences ({@link #generateEach}) share one copy, each with its own cache, and decode together (batched).
 */
public final class Generator {
    /** Sequences of {@link #generateEach} decoded together: at most this many caches are held at once. */
    public static final int MAX_BATCH = 16;

    private final DecoderWeights weights;

    /** A generator over a copy of {@code model}'s current weights (adapters must be merged first). */
    public Generator(TransformerModel model) {
        this.weights = DecoderWeights.of(model);
    }

    /**
     * Sampling settings.
     *
     * @param maxNewTokens      most tokens to generate
     * @param temperature       0 = greedy
     * @param topP              nucleus mass in (0, 1]; 1 = off
     * @param topK              keep the k likeliest tokens before top-p; 0 = off
     * @param repetitionPenalty CTRL's θ ≥ 1 on tokens already in the sequence (HF's {@code repetition_penalty}); 1 = off
     * @param seed              seeds the draws
     * @param stopToken         generation stops after emitting it (e.g. EOS); negative = never
     * @param vocabLimit        only ids below it are generated (a tokenizer smaller than the model's vocabulary); 0 =
     *                          all
     */
    public record Settings(int maxNewTokens, double temperature, double topP, int topK, double repetitionPenalty,
                           long seed, int stopToken, int vocabLimit) {
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
            if (topK < 0) {
                throw new UsageException("top_k must be >= 0 (0 = off), got " + topK);
            }
            if (!(repetitionPenalty >= 1 && Double.isFinite(repetitionPenalty))) {
                throw new UsageException("repetition_penalty must be a finite number >= 1 (1 = off), got "
                        + repetitionPenalty);
            }
            if (vocabLimit < 0) {
                throw new UsageException("vocab_limit must be >= 0 (0 = the model's vocabulary), got " + vocabLimit);
            }
        }

        /** Temperature and top-p sampling, no top-k, no repetition penalty, the whole vocabulary. */
        public Settings(int maxNewTokens, double temperature, double topP, long seed, int stopToken) {
            this(maxNewTokens, temperature, topP, 0, 1, seed, stopToken, 0);
        }

        /** These settings with top-k filtering of {@code k} tokens (0 = off). */
        public Settings withTopK(int k) {
            return new Settings(maxNewTokens, temperature, topP, k, repetitionPenalty, seed, stopToken, vocabLimit);
        }

        /** These settings with repetition penalty {@code penalty} (1 = off). */
        public Settings withRepetitionPenalty(double penalty) {
            return new Settings(maxNewTokens, temperature, topP, topK, penalty, seed, stopToken, vocabLimit);
        }

        /** These settings generating only ids below {@code limit} (0 = the whole vocabulary). */
        public Settings withVocabLimit(int limit) {
            return new Settings(maxNewTokens, temperature, topP, topK, repetitionPenalty, seed, stopToken, limit);
        }

        /** These settings with seed {@code s}. */
        public Settings withSeed(long s) {
            return new Settings(maxNewTokens, temperature, topP, topK, repetitionPenalty, s, stopToken, vocabLimit);
        }
    }

    /** Generates after {@code prompt} (non-empty), calling {@code onToken} for each new id; returns the new ids. */
    public int[] generate(int[] prompt, Settings s, IntConsumer onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token (e.g. BOS)");
        }
        KvCacheDecoder decoder = new KvCacheDecoder(weights);
        Sampler sampler = new Sampler(s, weights.config().vocabSize());
        for (int id : prompt) {
            sampler.saw(id);
        }
        int[] out = new int[s.maxNewTokens()];
        int n = 0;
        float[] logits = s.maxNewTokens() == 0 ? null : decoder.prefill(prompt);
        while (n < s.maxNewTokens()) {
            int next = sampler.next(logits);
            out[n++] = next;
            sampler.saw(next);
            onToken.accept(next);
            if (next == s.stopToken() || n == s.maxNewTokens()) {
                break;
            }
            logits = decoder.step(next);
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Generates after each prompt with the same weights, sequence i drawing with seed {@code s.seed() + i} (so sequence
     * i is what {@link #generate} gives with that seed); returns the new ids of each. Up to {@link #MAX_BATCH}
     * sequences decode together: each step runs one forward pass for all of them that have not stopped, every weight
     * read once per step, each sequence with its own cache, position and stop.
     */
    public List<int[]> generateEach(List<int[]> prompts, Settings s) {
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += MAX_BATCH) {
            out.addAll(generateBatch(prompts.subList(from, Math.min(prompts.size(), from + MAX_BATCH)), s, from));
        }
        return out;
    }

    /** {@link #generateEach} of up to {@link #MAX_BATCH} prompts, the first of them number {@code first}. */
    private List<int[]> generateBatch(List<int[]> prompts, Settings s, int first) {
        int b = prompts.size();
        int vocab = weights.config().vocabSize();
        KvCacheDecoder decoder = new KvCacheDecoder(weights, b);
        Sampler[] samplers = new Sampler[b];
        int[][] out = new int[b][s.maxNewTokens()];
        int[] made = new int[b];
        int[] seqs = new int[b]; // the sequences still generating, and the token each feeds next
        int[] next = new int[b];
        int live = 0;
        for (int i = 0; i < b; i++) {
            int[] prompt = prompts.get(i);
            if (prompt.length == 0) {
                throw new IllegalArgumentException("prompt " + (first + i)
                        + " must hold at least one token (e.g. BOS)");
            }
            samplers[i] = new Sampler(s.withSeed(s.seed() + first + i), vocab);
            for (int id : prompt) {
                samplers[i].saw(id);
            }
            if (s.maxNewTokens() > 0 && !emit(samplers[i], decoder.prefill(i, prompt), 0, out[i], made, i, s)) {
                seqs[live] = i;
                next[live++] = out[i][0];
            }
        }
        while (live > 0) {
            float[] rows = decoder.step(seqs, next, live); // [live, V]
            int kept = 0;
            for (int j = 0; j < live; j++) {
                int i = seqs[j];
                if (!emit(samplers[i], rows, j * vocab, out[i], made, i, s)) {
                    seqs[kept] = i;
                    next[kept++] = out[i][made[i] - 1];
                }
            }
            live = kept;
        }
        List<int[]> result = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            result.add(Arrays.copyOf(out[i], made[i]));
        }
        return result;
    }

    /** Samples sequence i's next token from the logits at {@code logits[offset …]}; true when the sequence is done. */
    private static boolean emit(Sampler sampler, float[] logits, int offset, int[] out, int[] made, int i,
                                Settings s) {
        int id = sampler.next(logits, offset);
        out[made[i]++] = id;
        sampler.saw(id);
        return id == s.stopToken() || made[i] == s.maxNewTokens();
    }
}
