package dev.sinter.eval.lm;

import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link LanguageModel} over a Sinter {@link TransformerModel}, with lm-evaluation-harness's tokenization and
 * truncation rules:
 * <ul>
 *   <li>trailing whitespace of a context moves to the front of its continuation;</li>
 *   <li>the context and context+continuation are encoded separately, and the continuation's tokens are the tail of
 *       the whole encoding after the context's tokens (so a SentencePiece dummy-prefix space and merges across the
 *       boundary behave as in lm-eval); an empty context means the continuation is encoded alone;</li>
 *   <li>BOS is prefixed; a sequence longer than {@code max_seq_len + 1} tokens keeps its rightmost
 *       {@code max_seq_len + 1}; a continuation longer than {@code max_seq_len} (an error in lm-eval) is scored in
 *       chunks of {@code max_seq_len} tokens, each after as much preceding text as fits;</li>
 *   <li>requests are sorted by length (longest first), batched, right-padded and returned in their original order.
 *       Attention is causal and MoE layers are told the real lengths (padding takes no expert capacity and nothing
 *       is dropped), so neither padding nor the batch changes the logits of a real position.</li>
 * </ul>
 * Rolling log-likelihood uses lm-eval's disjoint windows ({@code context_len = 1}): the first window predicts the
 * first {@code max_seq_len} tokens from BOS, every later window predicts the next {@code max_seq_len} tokens from
 * the {@code max_seq_len} tokens before them.
 */
public final class SinterLanguageModel implements LanguageModel {
    /** A request already in token ids: {@code context} is non-empty (it starts with BOS or earlier text). */
    public record TokenRequest(int[] context, int[] continuation) {
    }

    private final TransformerModel model;
    private final Tokenizer tokenizer;
    private final int batchSize;
    private final int maxLen;
    private final BatchScorer scorer;

    /**
     * Scores on {@code model} in this process.
     *
     * @param batchSize sequences per forward pass (results do not depend on it)
     * @throws IllegalArgumentException if the tokenizer has more ids than the model's vocabulary
     */
    public SinterLanguageModel(TransformerModel model, Tokenizer tokenizer, int batchSize) {
        this(model, tokenizer, batchSize, null);
    }

    /**
     * Tokenizes, truncates and batches here, and runs the batches' forward passes on {@code scorer} (e.g. spread over
     * Spark workers that hold the same model); null scores here.
     *
     * @param batchSize sequences per forward pass (results do not depend on it)
     * @throws IllegalArgumentException if the tokenizer has more ids than the model's vocabulary
     */
    public SinterLanguageModel(TransformerModel model, Tokenizer tokenizer, int batchSize, BatchScorer scorer) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.describe() + " has " + tokenizer.vocabSize()
                    + " ids but the model's vocabulary has " + model.config().vocabSize()
                    + "; pass the model's tokenizer");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.maxLen = model.config().maxSeqLen();
        this.scorer = scorer != null ? scorer : this::scoreHere;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public String describe() {
        return "sinter transformer (" + model.parameterCount() + " params, max_seq_len " + maxLen + ", tokenizer "
                + tokenizer.describe() + ")";
    }

    @Override
    public List<Loglikelihood> loglikelihood(List<Request> requests, Progress progress) {
        Map<String, int[]> contextCache = new HashMap<>();
        List<TokenRequest> chunks = new ArrayList<>(requests.size());
        List<Integer> owners = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            TokenRequest r = encode(requests.get(i), contextCache);
            // a continuation longer than max_seq_len (where lm-eval fails) is scored in max_seq_len chunks, each
            // after as much of the preceding context + continuation as fits: every token once, as in rolling windows
            int[] all = concat(r.context(), r.continuation());
            for (int from = 0; from < r.continuation().length || from == 0; from += maxLen) {
                int to = Math.min(r.continuation().length, from + maxLen);
                chunks.add(new TokenRequest(Arrays.copyOf(all, r.context().length + from),
                        Arrays.copyOfRange(r.continuation(), from, to)));
                owners.add(i);
            }
        }
        List<Loglikelihood> scored = scoreTokens(chunks, progress);
        double[] sum = new double[requests.size()];
        boolean[] greedy = new boolean[requests.size()];
        int[] tokens = new int[requests.size()];
        Arrays.fill(greedy, true);
        for (int c = 0; c < chunks.size(); c++) {
            int i = owners.get(c);
            sum[i] += scored.get(c).logprob();
            greedy[i] &= scored.get(c).greedy();
            tokens[i] += scored.get(c).tokens();
        }
        List<Loglikelihood> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            out.add(new Loglikelihood(sum[i], greedy[i], tokens[i]));
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** lm-eval's {@code _encode_pair} plus the BOS prefix. */
    TokenRequest encode(Request r, Map<String, int[]> contextCache) {
        String context = r.context();
        String continuation = r.continuation();
        int end = context.length();
        while (end > 0 && Character.isWhitespace(context.charAt(end - 1))) {
            end--;
        }
        continuation = context.substring(end) + continuation;
        context = context.substring(0, end);
        if (context.isEmpty()) {
            return new TokenRequest(new int[]{tokenizer.bos()}, tokenizer.encode(continuation, false, false));
        }
        int[] ctx = contextCache.computeIfAbsent(context, c -> tokenizer.encode(c, false, false));
        int[] whole = tokenizer.encode(context + continuation, false, false);
        int[] withBos = new int[ctx.length + 1];
        withBos[0] = tokenizer.bos();
        System.arraycopy(ctx, 0, withBos, 1, ctx.length);
        return new TokenRequest(withBos, Arrays.copyOfRange(whole, Math.min(ctx.length, whole.length), whole.length));
    }

    @Override
    public List<Rolling> loglikelihoodRolling(List<String> texts, Progress progress) {
        List<TokenRequest> windows = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            for (TokenRequest w : rollingWindows(tokenizer.encode(texts.get(i), false, false), tokenizer.bos(),
                    maxLen)) {
                windows.add(w);
                owners.add(i);
            }
        }
        int[] owner = owners.stream().mapToInt(Integer::intValue).toArray();
        List<Loglikelihood> scored = scoreTokens(windows, progress);
        double[] sum = new double[texts.size()];
        long[] count = new long[texts.size()];
        for (int w = 0; w < scored.size(); w++) {
            sum[owner[w]] += scored.get(w).logprob();
            count[owner[w]] += scored.get(w).tokens();
        }
        List<Rolling> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(new Rolling(sum[i], count[i]));
        }
        return out;
    }

    /**
     * lm-eval's {@code get_rolling_token_windows(tokens, prefix_token, max_seq_len, context_len=1)} followed by
     * {@code make_disjoint_window}: disjoint windows that together predict every token once.
     */
    public static List<TokenRequest> rollingWindows(int[] tokens, int prefixToken, int maxLen) {
        List<TokenRequest> out = new ArrayList<>();
        if (tokens.length == 0) {
            return out;
        }
        int first = Math.min(maxLen, tokens.length);
        int[] ctx = new int[]{prefixToken};
        out.add(new TokenRequest(ctx, Arrays.copyOfRange(tokens, 0, first)));
        int predicted = first;
        while (predicted < tokens.length) {
            int windowEnd = Math.min(predicted + maxLen, tokens.length);
            int predLen = windowEnd - predicted;
            int inputStart = windowEnd - maxLen - 1; // input = tokens[windowEnd - maxLen - 1, windowEnd - 1)
            int contextEnd = windowEnd - predLen;
            // make_disjoint_window: context = input[:len(input) - len(pred) + 1] minus the overlap with pred
            out.add(new TokenRequest(Arrays.copyOfRange(tokens, Math.max(0, inputStart), contextEnd),
                    Arrays.copyOfRange(tokens, predicted, windowEnd)));
            predicted = windowEnd;
        }
        return out;
    }

    /**
     * Scores token-level requests: the summed log-probability of each continuation, and whether it is the greedy
     * decoding. Requests are sorted longest first (ties in request order), cut into batches of {@code batch_size} and
     * handed to the {@link BatchScorer}; progress counts requests.
     *
     * @throws IllegalArgumentException if a continuation is longer than {@code max_seq_len} tokens
     */
    public List<Loglikelihood> scoreTokens(List<TokenRequest> requests, Progress progress) {
        int n = requests.size();
        int[] inputLength = new int[n];
        for (int i = 0; i < n; i++) {
            TokenRequest r = requests.get(i);
            if (r.context().length == 0) {
                throw new IllegalArgumentException("request " + i + " has an empty token context (prefix BOS)");
            }
            if (r.continuation().length > maxLen) {
                throw new IllegalArgumentException("request " + i + ": continuation of " + r.continuation().length
                        + " tokens exceeds max_seq_len " + maxLen);
            }
            inputLength[i] = Math.min(r.context().length + r.continuation().length, maxLen + 1) - 1;
        }
        // longest first, ties in request order (lm-eval's Collator), so each batch pads little
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -inputLength[i]).thenComparingInt(i -> i));
        List<List<TokenRequest>> batches = new ArrayList<>();
        for (int start = 0; start < n; start += batchSize) {
            List<TokenRequest> batch = new ArrayList<>();
            for (int j = start; j < Math.min(n, start + batchSize); j++) {
                batch.add(requests.get(order[j]));
            }
            batches.add(batch);
        }
        progress.total(n);
        List<List<Loglikelihood>> scored = scorer.score(batches, progress);
        Loglikelihood[] out = new Loglikelihood[n];
        for (int k = 0; k < batches.size(); k++) {
            for (int j = 0; j < batches.get(k).size(); j++) {
                out[order[k * batchSize + j]] = scored.get(k).get(j);
            }
        }
        return Arrays.asList(out);
    }

    /** Scores the batches one after another on this model. */
    private List<List<Loglikelihood>> scoreHere(List<List<TokenRequest>> batches, Progress progress) {
        List<List<Loglikelihood>> out = new ArrayList<>(batches.size());
        for (List<TokenRequest> batch : batches) {
            out.add(scoreBatch(model, batch));
            progress.advance(batch.size());
        }
        return out;
    }

    /**
     * Scores one batch of requests in one forward pass of {@code model}, right-padded to its longest input; a
     * sequence longer than {@code max_seq_len + 1} tokens keeps its rightmost {@code max_seq_len + 1}. The same batch
     * gives the same results wherever it runs, which is what a {@link BatchScorer} relies on.
     */
    public static List<Loglikelihood> scoreBatch(TransformerModel model, List<TokenRequest> batch) {
        int maxLen = model.config().maxSeqLen();
        int b = batch.size();
        int[][] inputs = new int[b][];
        int t = 0;
        for (int j = 0; j < b; j++) {
            TokenRequest r = batch.get(j);
            int[] seq = concat(r.context(), r.continuation());
            if (seq.length > maxLen + 1) {
                seq = Arrays.copyOfRange(seq, seq.length - maxLen - 1, seq.length);
            }
            inputs[j] = Arrays.copyOf(seq, seq.length - 1);
            t = Math.max(t, inputs[j].length);
        }
        int[][] ids = new int[b][t]; // right-padded with id 0: causal attention never looks right
        int[] lengths = new int[b];
        for (int j = 0; j < b; j++) {
            System.arraycopy(inputs[j], 0, ids[j], 0, inputs[j].length);
            lengths[j] = inputs[j].length;
        }
        int v = model.config().vocabSize();
        float[] logits = flatLogits(model.transientLogits(ids, lengths), (long) b * t * v); // [b, t, V] row-major
        List<Loglikelihood> out = new ArrayList<>(b);
        for (int j = 0; j < b; j++) {
            int len = inputs[j].length;
            int[] target = batch.get(j).continuation();
            int c = target.length;
            double sum = 0;
            boolean greedy = true;
            for (int k = 0; k < c; k++) {
                int pos = len - c + k; // logits at pos predict token pos + 1, i.e. continuation token k
                int base = (j * t + pos) * v;
                float max = Float.NEGATIVE_INFINITY;
                int argmax = 0;
                for (int x = 0; x < v; x++) {
                    if (logits[base + x] > max) {
                        max = logits[base + x];
                        argmax = x;
                    }
                }
                double z = 0;
                for (int x = 0; x < v; x++) {
                    z += Math.exp((double) logits[base + x] - max);
                }
                sum += (double) logits[base + target[k]] - max - Math.log(z);
                greedy &= argmax == target[k];
            }
            out.add(new Loglikelihood(sum, greedy, c));
        }
        SameDiffRuntime.releaseMemory();
        return out;
    }

    private static float[] flatLogits(INDArray logits, long expected) {
        if (logits.length() != expected) {
            throw new IllegalStateException("logits have shape " + Arrays.toString(logits.shape()) + ", expected "
                    + expected + " values");
        }
        INDArray c = logits.dataType() == DataType.FLOAT ? logits : logits.castTo(DataType.FLOAT);
        if (c.isView() || c.ordering() != 'c' || c.data().length() != c.length()) {
            c = c.dup('c');
        }
        return c.data().asFloat();
    }
}
