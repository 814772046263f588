package dev.sinter.bench;

import dev.sinter.framework.util.Json;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.models.decode.DecoderWarmUp;
import dev.sinter.models.decode.DecoderWeights;
import dev.sinter.models.decode.KvCacheDecoder;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Greedy decoding speed of {@link KvCacheDecoder} on a llama2.c checkpoint, as llama2.c's {@code run.c -t 0 -n N}
 * decodes: from BOS, one forward pass per position, N passes at most, stopping early when the model emits BOS.
 * Times exclude JVM start and model loading: from just before the first step to just after the last token. The first
 * run in the JVM is the cold one (it includes JIT compilation); then {@code --warm-runs} more runs, whose median is
 * the warm rate. Every run must give the same ids. Prints one JSON line with both rates (also as run.c counts them:
 * tokens after the first over the time after the first), the text and its per-token pieces, and the peak RSS.
 * {@code bench/decode.sh} runs it beside run.c.
 *
 * <p>With {@code --preset NAME} (a {@link ModelPreset} name, sizes overridable with {@code --dim --layers --heads
 * --kv-heads --hidden --vocab --seq}) it decodes a randomly initialised model of that shape instead, for exactly
 * {@code --tokens} passes (no tokenizer, no early stop). {@code --prompt N} adds the time to first token for a random
 * N-token prompt ({@link KvCacheDecoder#prefill(int[])}, median of 5 after the decoding runs); {@code --batch 1,4,8}
 * adds the rate of greedy decoding of that many sequences together ({@code --tokens} batched steps).
 *
 * <p>Like {@code sinter generate}, it starts the decoder's JIT warm-up ({@link DecoderWarmUp}) before loading the
 * model; {@code --warm-up none} leaves it out, to see what it saves.
 *
 * <p>Usage: {@code DecodeBenchmark [--model stories260K.bin] [--tokenizer tok512.bin] [--tokens 400] [--warm-runs 10]
 * [--prompt 256] [--warm-up background|none]}, or {@code DecodeBenchmark --preset small [--layers 12 …] [--tokens 256]
 * [--batch 1,4,8]}
 */
public final class DecodeBenchmark {
    private static final String SHARED = "../shared/data/models/stories260K/";

    public static void main(String[] args) throws IOException {
        Map<String, String> a = new LinkedHashMap<>();
        for (int j = 0; j + 1 < args.length; j += 2) {
            a.put(args[j], args[j + 1]);
        }
        String preset = a.get("--preset");
        Path modelPath = Path.of(a.getOrDefault("--model", SHARED + "stories260K.bin"));
        Path tokPath = Path.of(a.getOrDefault("--tokenizer", SHARED + "tok512.bin"));
        int tokens = Integer.parseInt(a.getOrDefault("--tokens", "400"));
        int warmRuns = Integer.parseInt(a.getOrDefault("--warm-runs", "10"));
        int promptLength = Integer.parseInt(a.getOrDefault("--prompt", "0"));
        String warmUp = a.getOrDefault("--warm-up", "background");
        if (!warmUp.equals("background") && !warmUp.equals("none")) {
            throw new IllegalArgumentException("--warm-up must be 'background' or 'none', got '" + warmUp + "'");
        }

        long t0 = System.nanoTime();
        // as `sinter generate` does: the decoder's JIT warm-up runs on the other core while the model loads
        Thread warmUpThread = warmUp.equals("background") ? DecoderWarmUp.startInBackground() : null;
        TransformerModel model = preset == null ? Llama2cCheckpoint.load(modelPath)
                : TransformerModel.create(presetConfig(preset, a), DataType.FLOAT, 1);
        DecoderWeights weights = DecoderWeights.of(model);
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        ModelConfig cfg = model.config();
        long parameters = model.parameterCount();
        model = null; // the decoder keeps its own copy of the weights
        if (tokens > cfg.maxSeqLen() || promptLength > cfg.maxSeqLen()) {
            throw new IllegalArgumentException("--tokens " + tokens + " / --prompt " + promptLength + " exceed the"
                    + " window of " + cfg.maxSeqLen() + " tokens (past it every step rebuilds the cache); pass at most "
                    + cfg.maxSeqLen() + " or a larger --seq");
        }
        Llama2cTokenizer tokenizer = preset == null ? Llama2cTokenizer.load(tokPath) : null;
        int stop = preset == null ? tokenizer.bos() : -1;
        KvCacheDecoder decoder = new KvCacheDecoder(weights);
        boolean warmUpRunning = warmUpThread != null && warmUpThread.isAlive();
        double sinceStart = (System.nanoTime() - t0) / 1e9;

        Run cold = Run.greedy(decoder, Llama2cTokenizer.BOS, stop, tokens);
        List<Run> warm = new ArrayList<>();
        for (int r = 0; r < warmRuns; r++) {
            Run run = Run.greedy(decoder, Llama2cTokenizer.BOS, stop, tokens);
            if (!Arrays.equals(run.ids, cold.ids)) {
                throw new IllegalStateException("warm run " + r + " decoded different ids than the cold run");
            }
            warm.add(run);
        }

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("impl", "sinter-kvcache");
        out.put("model", preset == null ? modelPath.toString() : preset + " (random weights)");
        out.put("config", cfg);
        out.put("parameters", parameters);
        out.put("kernels", decoder.kernels());
        out.put("forward_passes", cold.passes);
        out.put("load_s", loadSeconds);
        out.put("warm_up", warmUp);
        out.put("warm_up_still_running_at_first_step", warmUpRunning);
        out.put("first_step_after_start_s", sinceStart);
        out.put("cold", cold.json());
        out.put("warm_runs", warm.size());
        if (!warm.isEmpty()) {
            out.put("warm_median_tok_s", median(warm.stream().mapToDouble(Run::tokensPerSecond).toArray()));
            out.put("warm_median_tok_s_after_first",
                    median(warm.stream().mapToDouble(Run::tokensPerSecondAfterFirst).toArray()));
            out.put("warm_best_tok_s", warm.stream().mapToDouble(Run::tokensPerSecond).max().orElseThrow());
        }
        if (promptLength > 0) {
            int[] prompt = new SplittableRandom(7).ints(promptLength, 0, cfg.vocabSize()).toArray();
            double[] ttft = new double[5];
            double[] cpu = new double[ttft.length];
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            for (int r = 0; r < ttft.length; r++) {
                decoder.reset();
                long c0 = threads.getCurrentThreadCpuTime();
                long p0 = System.nanoTime();
                decoder.prefill(prompt);
                ttft[r] = (System.nanoTime() - p0) / 1e6;
                cpu[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
            }
            out.put("prompt_tokens", promptLength);
            out.put("time_to_first_token_ms_median", median(ttft));
            // the thread's CPU time: what the prefill costs without the waits of a loaded machine
            out.put("time_to_first_token_cpu_ms_median", median(cpu));
        }
        if (a.containsKey("--batch")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String b : a.get("--batch").split(",")) {
                rows.add(batched(weights, Integer.parseInt(b.strip()), tokens));
            }
            out.put("batched", rows);
        }
        out.put("max_heap_mb", Runtime.getRuntime().maxMemory() / 1048576.0);
        out.put("peak_rss_mb", ModelBenchmark.peakRssMb());
        int[] generated = cold.generatedIds(stop);
        out.put("ids", generated);
        if (tokenizer != null) {
            out.put("pieces", pieces(tokenizer, generated));
            out.put("text", tokenizer.decode(generated));
        }
        System.out.println(Json.write(out));
    }

    /**
     * Greedy decoding of {@code b} sequences together ({@link KvCacheDecoder#step(int[], int[], int)}), {@code tokens}
     * batched steps from b different first tokens: one untimed run, then the median of 3; tokens/s counts every
     * sequence's tokens.
     */
    private static Map<String, Object> batched(DecoderWeights weights, int b, int tokens) {
        KvCacheDecoder decoder = new KvCacheDecoder(weights, b);
        int vocab = weights.config().vocabSize();
        int[] seqs = java.util.stream.IntStream.range(0, b).toArray();
        double[] seconds = new double[3];
        double[] cpuSeconds = new double[seconds.length];
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int r = -1; r < seconds.length; r++) {
            int[] next = java.util.stream.IntStream.range(0, b).map(i -> (1 + 37 * i) % vocab).toArray();
            for (int i = 0; i < b; i++) {
                decoder.reset(i);
            }
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int t = 0; t < tokens; t++) {
                float[] rows = decoder.step(seqs, next, b); // [b, V]
                for (int i = 0; i < b; i++) {
                    next[i] = argmax(rows, i * vocab, vocab);
                }
            }
            if (r >= 0) {
                seconds[r] = (System.nanoTime() - t0) / 1e9;
                cpuSeconds[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
            }
        }
        double s = median(seconds);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch", b);
        m.put("steps", tokens);
        m.put("seconds_median", s);
        m.put("tok_s", b * tokens / s);
        m.put("tok_s_per_sequence", tokens / s);
        // per the thread's CPU time: what a step costs without the waits of a loaded machine
        m.put("tok_s_cpu", b * tokens / median(cpuSeconds));
        return m;
    }

    /** A preset's architecture with the sizes given on the command line. */
    private static ModelConfig presetConfig(String name, Map<String, String> a) {
        ModelConfig b = ModelPreset.registry().get(name).config();
        java.util.function.BiFunction<String, Integer, Integer> num = (k, def) -> Integer.parseInt(
                a.getOrDefault(k, String.valueOf(def)));
        return b.toBuilder().dim(num.apply("--dim", b.dim())).nLayers(num.apply("--layers", b.nLayers()))
                .nHeads(num.apply("--heads", b.nHeads())).nKvHeads(num.apply("--kv-heads", b.nKvHeads()))
                .hiddenDim(num.apply("--hidden", b.hiddenDim())).vocabSize(num.apply("--vocab", b.vocabSize()))
                .maxSeqLen(num.apply("--seq", b.maxSeqLen())).build();
    }

    /** One greedy decode: the ids, and when each step finished. */
    private record Run(int[] ids, int passes, long start, long firstDone, long end) {
        /** From {@code bos}, at most {@code maxPasses} passes, stopping after {@code stop} (-1: never). */
        static Run greedy(KvCacheDecoder decoder, int bos, int stop, int maxPasses) {
            int[] ids = new int[maxPasses];
            decoder.reset();
            int token = bos;
            int passes = 0;
            long start = System.nanoTime();
            long firstDone = start;
            while (passes < maxPasses) {
                int next = argmax(decoder.step(token));
                ids[passes++] = next;
                if (passes == 1) {
                    firstDone = System.nanoTime();
                }
                if (next == stop) { // run.c stops when the model starts a new sequence (BOS)
                    break;
                }
                token = next;
            }
            return new Run(Arrays.copyOf(ids, passes), passes, start, firstDone, System.nanoTime());
        }

        double tokensPerSecond() {
            return passes / ((end - start) / 1e9);
        }

        /** run.c's count: the passes after the first over the time after the first. */
        double tokensPerSecondAfterFirst() {
            return (passes - 1) / ((end - firstDone) / 1e9);
        }

        /** The ids without a final stop token (run.c does not print the BOS it stops at). */
        int[] generatedIds(int stop) {
            return passes > 0 && ids[passes - 1] == stop ? Arrays.copyOf(ids, passes - 1) : ids;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", (end - start) / 1e9);
            m.put("tok_s", tokensPerSecond());
            m.put("tok_s_after_first", tokensPerSecondAfterFirst());
            m.put("first_token_ms", (firstDone - start) / 1e6);
            return m;
        }
    }

    private static int argmax(float[] v) {
        return argmax(v, 0, v.length);
    }

    /** The index (from {@code from}) of the largest of {@code v[from, from + n)}. */
    private static int argmax(float[] v, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[from + i] > v[from + best]) {
                best = i;
            }
        }
        return best;
    }

    /** The text each token adds: decode(ids[0..i]) minus decode(ids[0..i−1]). */
    private static List<String> pieces(Llama2cTokenizer tokenizer, int[] ids) {
        List<String> out = new ArrayList<>();
        String prev = "";
        for (int i = 1; i <= ids.length; i++) {
            String text = tokenizer.decode(Arrays.copyOf(ids, i));
            out.add(text.startsWith(prev) ? text.substring(prev.length()) : text);
            prev = text;
        }
        return out;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
