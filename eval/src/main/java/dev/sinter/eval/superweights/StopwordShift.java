package dev.sinter.eval.superweights;

import dev.sinter.eval.lm.LanguageModel.Request;
import dev.sinter.eval.tasks.LambadaTask;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The stopword shift (papers.md §1.5): the next-token distribution averaged over LAMBADA prompts (each context
 * without its final word), with and without the super weights, and the ratio pruned / original per stopword and for
 * the original's other top tokens. A word's probability is the sum over the vocabulary entries that decode to it
 * (case and surrounding spaces ignored), so a byte-level model only has single-character stopwords.
 */
public final class StopwordShift {
    /** English default (articles, prepositions, pronouns, auxiliaries, punctuation). */
    public static final List<String> ENGLISH = List.of("the", "a", "an", "and", "of", "to", "in", "is", "was", "he",
            "she", "it", "that", "his", "her", "on", "for", "with", ".", ",", "'s");

    /** One word's mean probability with and without the super weights. */
    public record Entry(String token, boolean stopword, double original, double pruned) {
        public double ratio() {
            return original == 0 ? Double.NaN : pruned / original;
        }
    }

    /** The result: stopwords found in the vocabulary, then the other top tokens of the original model. */
    public record Result(int prompts, List<Entry> stopwords, List<Entry> others, List<String> missingStopwords) {
    }

    private StopwordShift() {
    }

    /** LAMBADA contexts (the first {@code limit}, all when {@code limit <= 0}). */
    public static List<String> lambadaContexts(Path file, int limit) throws IOException {
        List<Request> all = new LambadaTask(file).requests();
        List<Request> rs = limit > 0 && limit < all.size() ? all.subList(0, limit) : all;
        return rs.stream().map(Request::context).toList();
    }

    /** Runs the comparison; the model is restored before returning. */
    public static Result run(TransformerModel model, Tokenizer tok, List<String> contexts, List<SuperWeight> sws,
                             List<String> stopwords, int topOthers) {
        double[] orig = meanDistribution(model, tok, contexts);
        double[] pruned;
        try (WeightEdit e = new WeightEdit(model).prune(sws)) {
            pruned = meanDistribution(model, tok, contexts);
        }
        Map<String, List<Integer>> idsByWord = new LinkedHashMap<>();
        for (int id = 0; id < model.config().vocabSize() && id < tok.vocabSize(); id++) {
            String w = tok.decode(new int[]{id}).strip().toLowerCase(Locale.ROOT);
            idsByWord.computeIfAbsent(w, k -> new ArrayList<>()).add(id);
        }
        List<Entry> stop = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String s : stopwords) {
            List<Integer> ids = idsByWord.get(s.toLowerCase(Locale.ROOT));
            if (ids == null) {
                missing.add(s);
                continue;
            }
            stop.add(new Entry(s, true, sum(orig, ids), sum(pruned, ids)));
        }
        List<Entry> others = idsByWord.entrySet().stream()
                .filter(e -> !e.getKey().isEmpty() && stopwords.stream().noneMatch(s -> s.equalsIgnoreCase(e.getKey())))
                .map(e -> new Entry(e.getKey(), false, sum(orig, e.getValue()), sum(pruned, e.getValue())))
                .sorted(Comparator.comparingDouble((Entry e) -> -e.original())).limit(topOthers).toList();
        return new Result(contexts.size(), stop, others, missing);
    }

    private static double sum(double[] p, List<Integer> ids) {
        double s = 0;
        for (int id : ids) {
            s += p[id];
        }
        return s;
    }

    /** Mean over contexts of softmax(logits at the last context token); contexts keep their last max_seq_len tokens. */
    static double[] meanDistribution(TransformerModel model, Tokenizer tok, List<String> contexts) {
        int v = model.config().vocabSize();
        int max = model.config().maxSeqLen();
        double[] mean = new double[v];
        List<int[]> seqs = new ArrayList<>();
        for (String c : contexts) {
            int[] ids = tok.encode(c.strip(), true, false);
            seqs.add(ids.length > max ? Arrays.copyOfRange(ids, ids.length - max, ids.length) : ids);
        }
        Integer[] order = new Integer[seqs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -seqs.get(i).length));
        int batch = 8;
        for (int start = 0; start < order.length; start += batch) {
            int b = Math.min(batch, order.length - start);
            int t = seqs.get(order[start]).length;
            int[][] ids = new int[b][t]; // right-padded: causal attention never looks right
            int[] lengths = new int[b]; // and MoE layers route only the real tokens
            for (int j = 0; j < b; j++) {
                int[] s = seqs.get(order[start + j]);
                System.arraycopy(s, 0, ids[j], 0, s.length);
                lengths[j] = s.length;
            }
            INDArray logits = model.logits(ids, lengths).castTo(DataType.DOUBLE); // [b, t, V]
            for (int j = 0; j < b; j++) {
                double[] row = logits.get(NDArrayIndex.point(j),
                        NDArrayIndex.point(seqs.get(order[start + j]).length - 1),
                        NDArrayIndex.all()).dup().data().asDouble();
                double m = Arrays.stream(row).max().orElseThrow();
                double z = 0;
                for (double x : row) {
                    z += Math.exp(x - m);
                }
                for (int k = 0; k < v; k++) {
                    mean[k] += Math.exp(row[k] - m) / z / contexts.size();
                }
            }
            SameDiffRuntime.releaseMemory();
        }
        return mean;
    }
}
