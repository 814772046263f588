package dev.sinter.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.models.decode.DecoderWeights;
import dev.sinter.models.decode.KvCacheDecoder;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Greedy decoding speed of {@link KvCacheDecoder} on a llama2.c checkpoint, as llama2.c's {@code run.c -t 0 -n N}
 * decodes: from BOS, one forward pass per position, N passes at most, stopping early when the model emits BOS.
 * Times exclude JVM start and model loading: from just before the first step to just after the last token. The first
 * run in the JVM is the cold one (it includes JIT compilation); then {@code --warm-runs} more runs, whose median is
 * the warm rate. Every run must give the same ids. Prints one JSON line with both rates (also as run.c counts them:
 * tokens after the first over the time after the first), the text and its per-token pieces, and the peak RSS.
 * {@code bench/decode.sh} runs it beside run.c.
 *
 * <p>Usage: {@code DecodeBenchmark [--model stories260K.bin] [--tokenizer tok512.bin] [--tokens 400] [--warm-runs 10]}
 */
public final class DecodeBenchmark {
    private static final String SHARED = "../shared/data/models/stories260K/";

    public static void main(String[] args) throws IOException {
        Map<String, String> a = new LinkedHashMap<>();
        for (int j = 0; j + 1 < args.length; j += 2) {
            a.put(args[j], args[j + 1]);
        }
        Path modelPath = Path.of(a.getOrDefault("--model", SHARED + "stories260K.bin"));
        Path tokPath = Path.of(a.getOrDefault("--tokenizer", SHARED + "tok512.bin"));
        int tokens = Integer.parseInt(a.getOrDefault("--tokens", "400"));
        int warmRuns = Integer.parseInt(a.getOrDefault("--warm-runs", "10"));

        long t0 = System.nanoTime();
        DecoderWeights weights = DecoderWeights.of(Llama2cCheckpoint.load(modelPath));
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        Llama2cTokenizer tokenizer = Llama2cTokenizer.load(tokPath);
        KvCacheDecoder decoder = new KvCacheDecoder(weights);

        Run cold = Run.greedy(decoder, tokenizer.bos(), tokens);
        List<Run> warm = new ArrayList<>();
        for (int r = 0; r < warmRuns; r++) {
            Run run = Run.greedy(decoder, tokenizer.bos(), tokens);
            if (!Arrays.equals(run.ids, cold.ids)) {
                throw new IllegalStateException("warm run " + r + " decoded different ids than the cold run");
            }
            warm.add(run);
        }

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("impl", "sinter-kvcache");
        out.put("model", modelPath.toString());
        out.put("kernels", decoder.kernels());
        out.put("forward_passes", cold.passes);
        out.put("load_s", loadSeconds);
        out.put("cold", cold.json());
        out.put("warm_runs", warm.size());
        if (!warm.isEmpty()) {
            out.put("warm_median_tok_s", median(warm.stream().mapToDouble(Run::tokensPerSecond).toArray()));
            out.put("warm_median_tok_s_after_first",
                    median(warm.stream().mapToDouble(Run::tokensPerSecondAfterFirst).toArray()));
            out.put("warm_best_tok_s", warm.stream().mapToDouble(Run::tokensPerSecond).max().orElseThrow());
        }
        out.put("max_heap_mb", Runtime.getRuntime().maxMemory() / 1048576.0);
        out.put("peak_rss_mb", peakRssMb());
        int[] generated = cold.generatedIds();
        out.put("ids", generated);
        out.put("pieces", pieces(tokenizer, generated));
        out.put("text", tokenizer.decode(generated));
        System.out.println(new ObjectMapper().writeValueAsString(out));
    }

    /** One greedy decode: the ids, and when each step finished. */
    private record Run(int[] ids, int passes, long start, long firstDone, long end) {
        static Run greedy(KvCacheDecoder decoder, int bos, int maxPasses) {
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
                if (next == bos) { // run.c stops when the model starts a new sequence
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

        /** The ids without a final BOS (which run.c does not print). */
        int[] generatedIds() {
            return passes > 0 && ids[passes - 1] == Llama2cTokenizer.BOS ? Arrays.copyOf(ids, passes - 1) : ids;
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
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
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

    /** Peak resident set size of this process (Linux VmHWM), in MB; NaN where unavailable. */
    private static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
