package dev.sinter.models.decode;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.transformer.TransformerModel;

/**
 * Autoregressive decoding of one sequence with a per-layer key/value cache, in plain Java (no SameDiff, no ND4J calls
 * after construction, no allocation per token, one thread).
 *
 * <p>{@link #step(int)} appends one token and returns the next-token logits {@code [V]} that the SameDiff graph
 * ({@link TransformerModel#logits}) gives at the last position of the sequence fed so far; {@link #prefill(int[])}
 * appends several, running up to {@value #CHUNK} tokens through each layer together (every weight read once per
 * chunk; the logits are the same as from single steps). Each step costs one forward pass of one token: the keys and
 * values of earlier positions are reused.
 *
 * <p><b>Past max_seq_len.</b> The graph sees at most {@code max_seq_len} tokens, numbered from position 0; the
 * reference for a longer sequence is the graph's logits on its last {@code max_seq_len} tokens (a sliding window).
 * Cached keys carry their rotary (or learned) positions, so they cannot be shifted; to keep the outputs identical to
 * that reference, a step beyond a full window rebuilds the cache from the last {@code max_seq_len} tokens (positions
 * 0 … S−1). Such a step costs a prefill of S tokens (still without the graph), so long generations should stay within
 * the window.
 *
 * <p><b>MoE.</b> Each token is routed on its own: top-1 takes the expert with the largest router logit, weighted by
 * its softmax gate; top-2 adds the best remaining expert and renormalises the two gates; no token is ever dropped.
 * These are the graph's inference semantics ({@link dev.sinter.models.moe.MoeInputs}: no Gumbel noise, no jitter, no
 * capacity limit), so the decoder agrees with the graph for every MoE config.
 *
 * <p><b>Batches.</b> A decoder made for B sequences ({@link #KvCacheDecoder(DecoderWeights, int)}) keeps B caches;
 * {@link #step(int[], int[], int)} appends one token to each of several of them in one forward pass, every weight read
 * once for all of them. Each sequence has its own positions and may stop at any time; its logits are bit for bit those
 * of a decoder that ran it alone (the kernels' products of several vectors equal their one-vector products).
 *
 * <p>Not thread-safe. Instances may share one {@link DecoderWeights}.
 */
public final class KvCacheDecoder {
    /**
     * Prompt tokens run through the layers together, so each weight is read from memory once per chunk
     * ({@link #prefill(int[])}); 128 rather than 16 made a 256-token prefill of the 110M model much faster
     * (docs/results/real-models.md), and a chunk's activations (128 × (5·D + 2·H) floats, 4 MB there) stay in cache.
     */
    static final int CHUNK = 128;
    /** Positions the cache holds at first; it doubles as the sequence grows, up to max_seq_len. */
    static final int INITIAL_POSITIONS = 256;

    private final DecoderWeights w;
    private final Kernels k;
    private final int d;
    private final int heads;
    private final int hd;
    private final int group; // query heads per KV head
    private final int kvDim;
    private final int seqLen; // S = max_seq_len, the cache's capacity
    private final int vocab;
    private final boolean layerNorm;
    private final float eps;
    private final boolean swiglu;
    private final boolean adjacentRope;
    private final int topK; // experts per token in MoE layers
    private final float[] cos; // [S, hd/2], null for learned positions
    private final float[] sin; // [S, hd/2]
    private final Sequence[] sequences; // [B] one cache each
    private final int[] rewindow; // [S] scratch for rebuilding the window

    // one row per token of a forward pass: up to max(CHUNK, B) tokens run through the layers together, either a chunk
    // of one sequence's prompt or one token of each of several sequences; row strides leave matVec/matMat and
    // weightedSum their padding room
    private final int maxRows;
    private final Sequence[] rowSeq; // [maxRows] the sequence of each row
    private final int[] rowPos; // [maxRows] its position in that sequence
    private final int[] rowOut; // [maxRows] where a batched step returns its logits
    private final boolean[] slid; // [B] which sequences of a batched step slid their window
    private final int qkvStride;
    private final int ctxStride;
    private final int projStride;
    private final int hiddenStride;
    private final int headStride;
    private final float[] x; // [maxRows, D] residual stream
    private final float[] h; // [maxRows, D] normalised input of a sub-block
    private final float[] qkv; // [maxRows, qkvStride]: q (D), k (KV·hd), v (KV·hd)
    private final float[] ctx; // [maxRows, ctxStride] attention output before o_proj
    private final float[] proj; // [maxRows, projStride] a sub-block's output
    private final float[] hidden; // [maxRows, hiddenStride] MLP pre-activations (gate, up)
    private float[] scores; // [g, largest rowLen] one KV head's query heads
    private final float[] moeSum; // [D] one token's weighted sum of expert outputs
    private final float[] expertOut; // [padded D] one expert's output
    private final float[] router; // [max E]
    private final float[] coef; // [2]
    private final float[] headOut; // [B, headStride] the LM head's products
    private final float[] logits; // [V] the logits of step(int) and prefill
    private final float[] batchLogits; // [B, V] the logits of a batched step

    /** One sequence's cache. */
    private final class Sequence {
        final float[][] keys; // per layer [KV·hd, rowLen]: channel-major, so attention runs along positions
        final float[][] values; // per layer [KV, rowLen, hd]: position-major per head
        final int[] tokens = new int[seqLen]; // [S] the token at each cache position
        int rowLen; // positions the cache holds, a whole number of vectors: the stride of cache and score rows
        int length; // tokens in the cache
        int stepStamp; // the batched step that last fed this sequence (to reject a sequence fed twice in one step)

        Sequence(int layers) {
            rowLen = k.padded(Math.min(seqLen, INITIAL_POSITIONS));
            keys = new float[layers][kvDim * rowLen]; // grown on demand (see grow)
            values = new float[layers][kvDim * rowLen];
        }
    }

    private int stepCount; // batched steps so far, for Sequence.stepStamp

    /** A decoder of one sequence over {@code weights}, with the kernels they were laid out for. */
    public KvCacheDecoder(DecoderWeights weights) {
        this(weights, 1);
    }

    /**
     * A decoder of {@code batch} sequences (numbered 0 … batch−1, each with its own cache) over {@code weights}; see
     * {@link #step(int[], int[], int)}.
     */
    public KvCacheDecoder(DecoderWeights weights, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("a decoder needs at least one sequence, got batch " + batch);
        }
        ModelConfig c = weights.config();
        this.w = weights;
        this.k = weights.kernels();
        this.d = c.dim();
        this.heads = c.nHeads();
        this.hd = c.headDim();
        this.group = c.groupSize();
        this.kvDim = c.kvDim();
        this.seqLen = c.maxSeqLen();
        this.vocab = c.vocabSize();
        this.layerNorm = c.norm().equals("layernorm");
        this.eps = (float) c.normEps();
        this.swiglu = c.mlp().equals("swiglu");
        this.adjacentRope = c.ropeStyle().equals("adjacent");
        this.topK = c.moe() == null ? 0 : c.moe().topK();
        if (c.positions().equals("rope")) {
            int half = hd / 2;
            cos = new float[seqLen * half];
            sin = new float[seqLen * half];
            for (int t = 0; t < seqLen; t++) {
                for (int i = 0; i < half; i++) {
                    // as Rope: θ^(-2i/hd) in double, the table cast to float
                    double angle = t * Math.pow(c.ropeTheta(), -2.0 * i / hd);
                    cos[t * half + i] = (float) Math.cos(angle);
                    sin[t * half + i] = (float) Math.sin(angle);
                }
            }
        } else {
            cos = null;
            sin = null;
        }
        sequences = new Sequence[batch];
        for (int i = 0; i < batch; i++) {
            sequences[i] = new Sequence(c.nLayers());
        }
        rewindow = new int[seqLen];
        int maxHidden = c.hiddenDim();
        int maxExperts = 1;
        for (int i : c.moeLayers()) {
            maxHidden = Math.max(maxHidden, c.expertHiddenDim());
            maxExperts = Math.max(maxExperts, c.expertsAt(i));
        }
        maxRows = Math.max(CHUNK, batch);
        rowSeq = new Sequence[maxRows];
        rowPos = new int[maxRows];
        rowOut = new int[maxRows];
        slid = new boolean[batch];
        qkvStride = k.padded(d + 2 * kvDim);
        ctxStride = d - hd + k.padded(hd); // the last head's weightedSum may use scratch room
        projStride = k.padded(d);
        hiddenStride = k.padded(2 * maxHidden);
        headStride = k.padded(vocab);
        x = new float[maxRows * d];
        h = new float[maxRows * d];
        qkv = new float[maxRows * qkvStride];
        ctx = new float[maxRows * ctxStride];
        proj = new float[maxRows * projStride];
        hidden = new float[maxRows * hiddenStride];
        scores = new float[group * sequences[0].rowLen];
        moeSum = new float[d];
        expertOut = new float[projStride];
        router = new float[k.padded(maxExperts)];
        coef = new float[k.padded(2)];
        headOut = new float[batch * headStride];
        logits = new float[vocab];
        batchLogits = new float[batch * vocab];
    }

    /** A decoder of one sequence over a copy of {@code model}'s current weights. */
    public static KvCacheDecoder of(TransformerModel model) {
        return new KvCacheDecoder(DecoderWeights.of(model));
    }

    /** The architecture decoded. */
    public ModelConfig config() {
        return w.config();
    }

    /** The number of sequences this decoder keeps caches for. */
    public int batch() {
        return sequences.length;
    }

    /** {@link #length(int)} of sequence 0. */
    public int length() {
        return length(0);
    }

    /** Tokens sequence {@code seq}'s next step attends to besides itself: min(tokens fed since reset, max_seq_len). */
    public int length(int seq) {
        return sequence(seq).length;
    }

    /** Forgets sequence 0. */
    public void reset() {
        reset(0);
    }

    /** Forgets sequence {@code seq} (its cache is overwritten, not cleared). */
    public void reset(int seq) {
        sequence(seq).length = 0;
    }

    /** Positions sequence 0's cache can hold before it grows again. */
    int capacity() {
        return sequences[0].rowLen;
    }

    /** The kernels in use, e.g. {@code vector-512} or {@code scalar}. */
    public String kernels() {
        return k.describe();
    }

    private Sequence sequence(int seq) {
        if (seq < 0 || seq >= sequences.length) {
            throw new IllegalArgumentException("sequence " + seq + " is outside this decoder's batch [0, "
                    + sequences.length + ")");
        }
        return sequences[seq];
    }

    /**
     * Appends {@code token} to sequence 0 and returns the logits {@code [V]} for the next token. The array is reused:
     * read or copy it before the next call.
     */
    public float[] step(int token) {
        checkToken(token);
        Sequence s = sequences[0];
        if (s.length < seqLen) {
            s.tokens[s.length] = token;
            rowSeq[0] = s;
            rowPos[0] = s.length;
            forward(1, false);
            s.length++;
        } else {
            slide(s, token);
        }
        return logits;
    }

    /**
     * Appends {@code tokens[j]} to sequence {@code seqs[j]} for each {@code j < n} (distinct sequences) in one forward
     * pass, and returns their next-token logits {@code [n, V]}: row j for sequence {@code seqs[j]}, bit for bit what
     * {@link #step(int)} gives for that sequence alone. The array is reused: read or copy it before the next call.
     */
    public float[] step(int[] seqs, int[] tokens, int n) {
        if (n < 1 || n > sequences.length || seqs.length < n || tokens.length < n) {
            throw new IllegalArgumentException("a batched step feeds 1 to " + sequences.length + " sequences, one"
                    + " token each; got n = " + n + " with " + seqs.length + " sequence ids and " + tokens.length
                    + " tokens");
        }
        stepCount++;
        for (int j = 0; j < n; j++) {
            Sequence s = sequence(seqs[j]);
            if (s.stepStamp == stepCount) {
                throw new IllegalArgumentException("sequence " + seqs[j] + " appears twice in one batched step");
            }
            s.stepStamp = stepCount;
            checkToken(tokens[j]);
        }
        for (int j = 0; j < n; j++) { // a full window slides: that sequence's cache is rebuilt on its own, first
            Sequence s = sequences[seqs[j]];
            slid[j] = s.length == seqLen;
            if (slid[j]) {
                slide(s, tokens[j]);
                System.arraycopy(logits, 0, batchLogits, j * vocab, vocab);
            }
        }
        int rows = 0;
        for (int j = 0; j < n; j++) { // the others in one pass
            if (!slid[j]) {
                Sequence s = sequences[seqs[j]];
                s.tokens[s.length] = tokens[j];
                rowSeq[rows] = s;
                rowPos[rows] = s.length;
                rowOut[rows++] = j;
            }
        }
        if (rows > 0) {
            forward(rows, true);
            for (int r = 0; r < rows; r++) {
                rowSeq[r].length++;
                System.arraycopy(headOut, r * headStride, batchLogits, rowOut[r] * vocab, vocab);
            }
        }
        return batchLogits;
    }

    /** {@link #prefill(int, int[])} of sequence 0. */
    public float[] prefill(int[] prompt) {
        return prefill(0, prompt);
    }

    /**
     * Appends {@code prompt} (at least one token) to sequence {@code seq} and returns the logits {@code [V]} after its
     * last token, as a sequence of {@link #step} calls would; only the last position computes logits. The array is
     * reused as in {@link #step(int)}.
     */
    public float[] prefill(int seq, int[] prompt) {
        Sequence s = sequence(seq);
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token (e.g. BOS)");
        }
        for (int t : prompt) {
            checkToken(t);
        }
        if (s.length + prompt.length <= seqLen) {
            System.arraycopy(prompt, 0, s.tokens, s.length, prompt.length);
            int end = s.length + prompt.length;
            run(s, s.length, end);
            s.length = end;
        } else {
            // only the last S tokens of (cache, prompt) matter: the window the graph would see
            int fromPrompt = Math.min(prompt.length, seqLen);
            int fromCache = seqLen - fromPrompt;
            System.arraycopy(s.tokens, s.length - fromCache, rewindow, 0, fromCache);
            System.arraycopy(prompt, prompt.length - fromPrompt, rewindow, fromCache, fromPrompt);
            replay(s, rewindow);
        }
        return logits;
    }

    /** A step past a full window: the last S−1 cached tokens and {@code token}, renumbered from position 0. */
    private void slide(Sequence s, int token) {
        System.arraycopy(s.tokens, 1, rewindow, 0, seqLen - 1);
        rewindow[seqLen - 1] = token;
        replay(s, rewindow);
    }

    /** Rebuilds {@code s}'s cache from a full window {@code [S]} at positions 0 … S−1. */
    private void replay(Sequence s, int[] window) {
        System.arraycopy(window, 0, s.tokens, 0, seqLen);
        run(s, 0, seqLen);
        s.length = seqLen;
    }

    /** Runs {@code s}'s cached tokens at positions [from, to) in chunks; logits for the last. */
    private void run(Sequence s, int from, int to) {
        for (int p = from; p < to; p += CHUNK) {
            int m = Math.min(CHUNK, to - p);
            for (int j = 0; j < m; j++) {
                rowSeq[j] = s;
                rowPos[j] = p + j;
            }
            forward(m, false);
        }
    }

    private void checkToken(int token) {
        if (token < 0 || token >= vocab) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocab + ")");
        }
    }

    /**
     * Rows {@code j < m}: the token at position {@link #rowPos}[j] of sequence {@link #rowSeq}[j] (a row's sequence
     * holds it in its tokens). Writes their keys and values, then either the logits after the last row into
     * {@link #logits} or, when {@code everyRow}, the LM head's products of every row into {@link #headOut}. Rows of one
     * sequence must be consecutive positions in order (a prompt chunk); rows of different sequences are independent.
     */
    private void forward(int m, boolean everyRow) {
        for (int j = 0; j < m; j++) {
            Sequence s = rowSeq[j];
            if (rowPos[j] + 1 > s.rowLen) {
                grow(s, rowPos[j] + 1 + (m - 1 - j)); // room for the rest of a chunk at once
            }
        }
        float[] table = w.positions();
        for (int j = 0; j < m; j++) {
            int pos = rowPos[j];
            System.arraycopy(w.embed(), rowSeq[j].tokens[pos] * d, x, j * d, d);
            if (table != null) {
                for (int i = 0; i < d; i++) {
                    x[j * d + i] += table[pos * d + i];
                }
            }
        }
        for (int l = 0; l < w.layers(); l++) {
            DecoderWeights.Layer layer = w.layer(l);
            for (int j = 0; j < m; j++) {
                norm(layer.attnNorm(), x, j * d, h, j * d);
            }
            attention(l, layer, m);
            addRows(m);
            for (int j = 0; j < m; j++) {
                norm(layer.mlpNorm(), x, j * d, h, j * d);
            }
            if (layer.mlp() != null) {
                mlp(layer.mlp(), m);
            } else {
                for (int j = 0; j < m; j++) {
                    moe(layer.moe(), j * d, j * projStride);
                }
            }
            addRows(m);
        }
        if (everyRow) {
            for (int j = 0; j < m; j++) {
                norm(w.finalNorm(), x, j * d, h, j * d);
            }
            k.matMat(w.head(), vocab, d, h, d, m, headOut, headStride);
        } else {
            int last = (m - 1) * d;
            norm(w.finalNorm(), x, last, h, 0);
            k.matVec(w.head(), vocab, d, h, 0, headOut, 0);
            System.arraycopy(headOut, 0, logits, 0, vocab);
        }
    }

    /**
     * Makes room for {@code positions} cached positions of {@code s}: doubles its cache (at most to max_seq_len),
     * copying what it holds. Amortised over the tokens that fill it, so steps still allocate nothing on average.
     */
    private void grow(Sequence s, int positions) {
        int rowLen = s.rowLen;
        int newLen = k.padded(Math.min(seqLen, Math.max(2 * rowLen, positions)));
        for (int l = 0; l < s.keys.length; l++) {
            float[] kc = new float[kvDim * newLen];
            float[] vc = new float[kvDim * newLen];
            for (int c = 0; c < kvDim; c++) { // keys [KV·hd, rowLen]
                System.arraycopy(s.keys[l], c * rowLen, kc, c * newLen, rowLen);
            }
            for (int kvh = 0; kvh < kvDim / hd; kvh++) { // values [KV, rowLen, hd]
                System.arraycopy(s.values[l], kvh * rowLen * hd, vc, kvh * newLen * hd, rowLen * hd);
            }
            s.keys[l] = kc;
            s.values[l] = vc;
        }
        if (scores.length < group * newLen) {
            scores = new float[group * newLen];
        }
        s.rowLen = newLen;
    }

    /** Self-attention of the m rows over their sequences' caches; the results (after o_proj) go to {@link #proj}. */
    private void attention(int l, DecoderWeights.Layer layer, int m) {
        k.matMat(layer.qkv(), d + 2 * kvDim, d, h, d, m, qkv, qkvStride);
        float[] bias = layer.qkvBias();
        if (bias != null) {
            for (int j = 0; j < m; j++) {
                for (int c = 0; c < bias.length; c++) {
                    qkv[j * qkvStride + c] += bias[c];
                }
            }
        }
        for (int j = 0; j < m; j++) { // every token's key and value first: later tokens of a chunk attend to them
            int q = j * qkvStride;
            int pos = rowPos[j];
            if (cos != null) {
                for (int a = 0; a < heads; a++) {
                    rope(qkv, q + a * hd, pos);
                }
                for (int a = 0; a < kvDim / hd; a++) {
                    rope(qkv, q + d + a * hd, pos);
                }
            }
            Sequence s = rowSeq[j];
            float[] kc = s.keys[l];
            float[] vc = s.values[l];
            int rowLen = s.rowLen;
            for (int c = 0; c < kvDim; c++) {
                kc[c * rowLen + pos] = qkv[q + d + c];
                vc[((c / hd) * rowLen + pos) * hd + c % hd] = qkv[q + d + kvDim + c];
            }
        }
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int j = 0; j < m; j++) {
            Sequence s = rowSeq[j];
            float[] kc = s.keys[l];
            float[] vc = s.values[l];
            int rowLen = s.rowLen;
            int n = rowPos[j] + 1; // causal: positions 0 … pos
            int q = j * qkvStride;
            int out = j * ctxStride;
            for (int kvh = 0; kvh < kvDim / hd; kvh++) {
                int kvBase = kvh * hd * rowLen; // KV head kvh: keys [hd, rowLen], values [rowLen, hd]
                // GQA: query heads kvh·g … kvh·g + g−1 read this KV head; scores [g, rowLen]
                k.scores(qkv, q + kvh * group * hd, group, hd, scale, kc, kvBase, rowLen, n, scores, rowLen);
                for (int a = 0; a < group; a++) {
                    int head = kvh * group + a;
                    int so = a * rowLen;
                    float max = k.max(scores, so, n);
                    float inv = 1f / k.expShifted(scores, so, n, max);
                    k.weightedSum(scores, so, n, vc, kvBase, hd, ctx, out + head * hd);
                    for (int i = 0; i < hd; i++) {
                        ctx[out + head * hd + i] *= inv;
                    }
                }
            }
        }
        k.matMat(layer.o(), d, d, ctx, ctxStride, m, proj, projStride);
    }

    /** Rotates the head vector at {@code v[at, at+hd)} to position {@code pos}: x ⊙ cos + (x·R) ⊙ sin (see Rope). */
    private void rope(float[] v, int at, int pos) {
        int half = hd / 2;
        int row = pos * half;
        for (int i = 0; i < half; i++) {
            float c = cos[row + i];
            float s = sin[row + i];
            int a = adjacentRope ? at + 2 * i : at + i; // pair (2i, 2i+1) or (i, i + hd/2)
            int b = adjacentRope ? a + 1 : a + half;
            float xa = v[a];
            float xb = v[b];
            v[a] = xa * c + -xb * s;
            v[b] = xb * c + xa * s;
        }
    }

    /** The dense MLP on the m rows of {@link #h}, results in {@link #proj}. */
    private void mlp(DecoderWeights.Mlp mlp, int m) {
        int hid = mlp.hidden();
        k.matMat(mlp.gateUp(), swiglu ? 2 * hid : hid, d, h, d, m, hidden, hiddenStride); // [gate (H), up (H)]
        for (int j = 0; j < m; j++) {
            activate(hidden, j * hiddenStride, hid);
        }
        k.matMat(mlp.down(), d, hid, hidden, hiddenStride, m, proj, projStride);
    }

    /** One token's MLP (an expert or the shared branch) on {@code h[in, in + D)}, result in {@code out[0, D)}. */
    private void mlp(DecoderWeights.Mlp mlp, int in, float[] out) {
        int hid = mlp.hidden();
        k.matVec(mlp.gateUp(), swiglu ? 2 * hid : hid, d, h, in, hidden, 0); // row 0 of hidden as scratch
        activate(hidden, 0, hid);
        k.matVec(mlp.down(), d, hid, hidden, 0, out, 0);
    }

    /** SwiGLU {@code silu(gate) · up} on {@code [gate (H), up (H)]} at {@code a[at …]}, or exact GELU on H values. */
    private void activate(float[] a, int at, int hid) {
        if (swiglu) {
            k.swiglu(a, at, hid);
        } else {
            for (int j = at; j < at + hid; j++) {
                a[j] = Gelu.apply(a[j]);
            }
        }
    }

    /**
     * One token's MoE block on {@code h[in, in + D)}, result in {@code proj[out, out + D)}; see the class comment for
     * the routing rule.
     */
    private void moe(DecoderWeights.Moe m, int in, int out) {
        int e = m.experts().length;
        k.matVec(m.router(), e, d, h, in, router, 0); // router logits [E]
        int first = argmax(router, e, -1);
        double z = 0; // softmax normaliser in double; one expert's gate is 1
        for (int j = 0; j < e; j++) {
            z += Math.exp(router[j] - router[first]);
        }
        float g1 = (float) (1 / z); // the largest logit's softmax gate
        java.util.Arrays.fill(moeSum, 0f);
        if (topK == 2) {
            int second = argmax(router, e, first);
            float g2 = (float) (Math.exp(router[second] - router[first]) / z);
            float denom = Math.max(g1 + g2, 1.1920929e-7f); // torch.finfo(fp32).eps, as MoeGating
            addExpert(m.experts()[first], in, g1 / denom);
            addExpert(m.experts()[second], in, g2 / denom);
        } else {
            addExpert(m.experts()[first], in, g1);
        }
        if (m.shared() == null) {
            System.arraycopy(moeSum, 0, proj, out, d);
            return;
        }
        mlp(m.shared(), in, expertOut); // the dense branch
        if (m.coefficient() == null) { // residual_mix: sum
            for (int i = 0; i < d; i++) {
                proj[out + i] = expertOut[i] + moeSum[i];
            }
            return;
        }
        k.matVec(m.coefficient(), 2, d, h, in, coef, 0); // c = softmax(h · Wcᵀ + b), [2]
        if (m.coefficientBias() != null) {
            coef[0] += m.coefficientBias()[0];
            coef[1] += m.coefficientBias()[1];
        }
        float c0 = (float) (1 / (1 + Math.exp(coef[1] - coef[0])));
        float c1 = (float) (1 / (1 + Math.exp(coef[0] - coef[1])));
        for (int i = 0; i < d; i++) {
            proj[out + i] = moeSum[i] * c0 + expertOut[i] * c1;
        }
    }

    /** {@link #moeSum} += gate · expert(h[in …]). */
    private void addExpert(DecoderWeights.Mlp expert, int in, float gate) {
        mlp(expert, in, expertOut);
        k.axpy(gate, expertOut, 0, moeSum, d);
    }

    /** Index of the largest of {@code v[0, n)} other than {@code skip}; the first one on ties. */
    private static int argmax(float[] v, int n, int skip) {
        int best = -1;
        for (int j = 0; j < n; j++) {
            if (j != skip && (best < 0 || v[j] > v[best])) {
                best = j;
            }
        }
        return best;
    }

    /** RMSNorm {@code x · rsqrt(mean(x²) + ε) · w} or LayerNorm {@code (x − μ) · rsqrt(σ² + ε) · w + b}, one row. */
    private void norm(DecoderWeights.Norm n, float[] in, int io, float[] out, int oo) {
        float[] wt = n.weight();
        double mean = 0;
        if (layerNorm) {
            for (int i = 0; i < d; i++) {
                mean += in[io + i];
            }
            mean /= d;
        }
        double ss = 0;
        for (int i = 0; i < d; i++) {
            double c = in[io + i] - mean;
            ss += c * c;
        }
        float r = (float) (1 / Math.sqrt(ss / d + eps));
        float mu = (float) mean;
        for (int i = 0; i < d; i++) {
            out[oo + i] = (in[io + i] - mu) * (r * wt[i]);
        }
        if (layerNorm) {
            float[] b = n.bias();
            for (int i = 0; i < d; i++) {
                out[oo + i] += b[i];
            }
        }
    }

    /** The residual connection: row j of {@link #x} += row j of {@link #proj}, for j < m. */
    private void addRows(int m) {
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < d; i++) {
                x[j * d + i] += proj[j * projStride + i];
            }
        }
    }
}
