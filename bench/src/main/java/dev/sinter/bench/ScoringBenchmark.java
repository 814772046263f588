package dev.sinter.bench;

import dev.sinter.eval.lm.LanguageModel;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.lm.SinterLanguageModel;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Zero-shot scoring throughput of a real llama2.c model, one JSON line on stdout; {@code bench/scoring_twin.py}
 * does the same work in PyTorch on the same weights and the same tokens.
 *
 * <p>A step scores a [batch, seq] window of tokens the way {@code dev.sinter.eval.lm.SinterLanguageModel} scores a
 * rolling-window request: the forward pass, then for every position the log-probability of the next token
 * (log-softmax in double over the vocabulary) and the greedy check, then {@code releaseMemory()}. Tokens come from
 * the LCG {@code x = (1103515245·x + 12345) mod 2^31}, token {@code = x mod vocab}, seeded with 1, shared with the
 * twin; the printed {@code mean_nll} and {@code greedy_fraction} (first step) must match the twin's to ~1e-5, which
 * checks that both score the same model.
 *
 * <p>Scoring goes through {@code SinterLanguageModel.scoreTokens}, the code every zero-shot task uses.
 *
 * <p>Usage: {@code ScoringBenchmark --model stories260K.bin [--batch 16] [--seq 256] [--warmup 3] [--steps 10]}
 */
public final class ScoringBenchmark {
    public static void main(String[] args) throws IOException {
        List<String> a = List.of(args);
        Path file = Path.of(opt(a, "--model", "../shared/data/models/stories260K/stories260K.bin"));
        int batch = Integer.parseInt(opt(a, "--batch", "16"));
        int seq = Integer.parseInt(opt(a, "--seq", "256"));
        int warmup = Integer.parseInt(opt(a, "--warmup", "3"));
        int steps = Integer.parseInt(opt(a, "--steps", "10"));
        SameDiffRuntime.init();
        long t0 = System.nanoTime();
        TransformerModel model = Llama2cCheckpoint.load(file);
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        int vocab = model.config().vocabSize();
        if (seq > model.config().maxSeqLen()) {
            throw new IllegalArgumentException("--seq " + seq + " exceeds max_seq_len " + model.config().maxSeqLen());
        }
        SinterLanguageModel lm = new SinterLanguageModel(model, new ByteTokenizer(), batch);
        long state = 1;
        List<Double> times = new ArrayList<>();
        double firstNll = 0;
        for (int s = 0; s < warmup + steps; s++) {
            List<SinterLanguageModel.TokenRequest> requests = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                int[] w = new int[seq + 1]; // scored: every position after the first
                for (int j = 0; j <= seq; j++) {
                    state = (1103515245L * state + 12345L) & 0x7fffffffL;
                    w[j] = (int) (state % vocab);
                }
                requests.add(new SinterLanguageModel.TokenRequest(new int[]{w[0]}, java.util.Arrays.copyOfRange(w, 1, seq + 1)));
            }
            long start = System.nanoTime();
            List<LanguageModel.Loglikelihood> scored = lm.scoreTokens(requests, Progress.NONE);
            times.add((System.nanoTime() - start) / 1e9);
            if (s == 0) {
                firstNll = -scored.stream().mapToDouble(LanguageModel.Loglikelihood::logprob).sum() / ((double) batch * seq);
            }
        }
        List<Double> measured = times.subList(warmup, times.size());
        double median = measured.stream().sorted().toList().get(measured.size() / 2);
        System.out.printf(Locale.ROOT, "{\"impl\": \"sinter\", \"mode\": \"score\", \"params\": %d, \"tokens_per_s\": %.1f,"
                        + " \"median_step_s\": %.4f, \"first_step_s\": %.3f, \"build_s\": %.3f, \"mean_nll\": %.6f,"
                        + " \"peak_rss_mb\": %.1f}%n", model.parameterCount(), batch * seq / median, median, times.get(0),
                buildSeconds, firstNll, ModelBenchmark.peakRssMb());
    }

    private static String opt(List<String> a, String key, String def) {
        int i = a.indexOf(key);
        return i < 0 ? def : a.get(i + 1);
    }
}
