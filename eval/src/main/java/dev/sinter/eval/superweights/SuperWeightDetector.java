package dev.sinter.eval.superweights;

import dev.sinter.eval.superweights.ActivationScan.DownProj;
import dev.sinter.eval.superweights.ActivationScan.Extreme;
import dev.sinter.eval.superweights.ActivationScan.LayerStats;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finds super weights as the paper's code reads them (papers.md §1.2; {@code analyze.py::plot_down_proj_input_output}):
 * one forward pass per prompt; per layer and down projection the largest-|value| element of its input and of its
 * output; a projection <em>spikes</em> when both exceed {@code thresholdAbs} (the code's 50) and
 * {@code thresholdRel} × the median |value| of the same tensor (ours; 0 turns it off). The official read-out is the
 * weight {@code down_proj.weight[row = output spike channel, col = input spike channel]}; then zero it, rerun and look
 * again until nothing spikes. Every zeroed weight is restored before {@link #detect} returns.
 *
 * <p>Attribution: several super weights can feed one output channel (Llama-13B: two on row 2231; Llama-30B: two on
 * row 5633 in layer 3), so no single weight explains the spike. At the output spike {@code y[t, row]} every weight of
 * the row contributes {@code x[t, k]·W[row, k]}; the fewest largest contributions that together explain at least
 * {@code minShare} of {@code y[t, row]} are the spike's weights, provided they include the official read-out's column
 * and number at most {@code maxPerSpike} (a spike spread over more weights has no super weight). All of them are
 * zeroed before the next pass.
 *
 * <p>Early layers: the official code prints spikes at every layer, but the maintainers count none in the last layers
 * (Llama-2-7B layer 30 of 32, issue #2; OLMo-1B layer 15 of 16, issue #6) while their table keeps layers up to 24 of
 * 32 (OLMo-7B) and 10 of 60 (Llama-30B). Only layers below ⌈{@code earlyFraction}·layers⌉ (0.8: every layer of the
 * table, none of the excluded ones) yield super weights; spikes beyond are reported as late-layer spikes.
 *
 * <p>Mixture-of-Experts layers (none of the papers' code does this): each expert's down projection is read over the
 * tokens routed to it, and the Residual MoE's dense MLP over every token; a finding names its expert.
 */
public final class SuperWeightDetector {
    /** Thresholds and limits. */
    public record Options(double thresholdAbs, double thresholdRel, double minShare, int maxIterations,
                          int maxPerSpike, double earlyFraction) {
        /**
         * The code's |max| > 50, 100× the median, half of the spike explained by at most 3 weights (the most the
         * official table has on one row of one layer is 2), at most 6 passes (§1.1), candidates in the first 80% of
         * the layers.
         */
        public static final Options DEFAULT = new Options(50, 100, 0.5, 6, 3, 0.8);

        public Options {
            if (!(thresholdAbs >= 0) || !(thresholdRel >= 0) || !(minShare > 0 && minShare <= 1) || maxIterations < 1
                    || maxPerSpike < 1 || !(earlyFraction > 0 && earlyFraction <= 1)) {
                throw new UsageException("detector options: threshold-abs and threshold-rel must be >= 0,"
                        + " min share in (0, 1], max iterations >= 1, max weights per spike >= 1, early fraction in"
                        + " (0, 1]; got " + thresholdAbs + ", " + thresholdRel + ", " + minShare + ", " + maxIterations
                        + ", " + maxPerSpike + ", " + earlyFraction);
            }
        }

        /** The given thresholds with the default attribution limit and early-layer fraction. */
        public Options(double thresholdAbs, double thresholdRel, double minShare, int maxIterations) {
            this(thresholdAbs, thresholdRel, minShare, maxIterations, DEFAULT.maxPerSpike(), DEFAULT.earlyFraction());
        }

        boolean spikes(Extreme e) {
            return e != null && e.abs() > thresholdAbs && e.ratio() > thresholdRel;
        }

        boolean spikes(DownProj p) {
            return spikes(p.input()) && spikes(p.output());
        }

        /** Layers {@code 0 .. earlyLayers − 1} may hold super weights: ⌈earlyFraction · layers⌉. */
        public int earlyLayers(int layers) {
            return Math.max(1, (int) Math.ceil(earlyFraction * layers - 1e-9));
        }
    }

    /**
     * A found weight with its evidence at the pass that found it: the output spike's token, the input at that token
     * in the weight's column, the output spike, the weight's share {@code x[t, col]·w / y[t, row]}, and the
     * projection's max |output| after zeroing every weight found in the same pass.
     */
    public record Finding(SuperWeight weight, int token, double inputValue, double outputValue, double share,
                          double outputMaxAfterZeroing) {
    }

    /**
     * One pass: its scan, the layers with a spiking projection, and what it found (the weights of one spike; empty
     * when nothing).
     */
    public record Iteration(ActivationScan scan, List<Integer> spikingLayers, List<Finding> found) {
    }

    /** All passes over one prompt. */
    public record PromptResult(String prompt, int tokens, List<Iteration> iterations) {
        /** The scan of the unmodified model. */
        public ActivationScan original() {
            return iterations.get(0).scan();
        }

        public List<Finding> findings() {
            return iterations.stream().flatMap(i -> i.found().stream()).toList();
        }
    }

    /** A super weight and the prompts that found it. */
    public record Consistency(SuperWeight weight, int prompts, int foundIn, List<Integer> outputChannelPerPrompt,
                              List<Integer> tokenPerPrompt) {
    }

    /** What {@link #analyse} concludes: a {@link Detection}, or why the detector does not apply. */
    public sealed interface Outcome permits Detection, NotApplicable {
        /** A readable sentence: the finding with its evidence, or {@code not applicable: <reason>}. */
        String verdict();

        /** The super weights found (none when the detector does not apply). */
        List<SuperWeight> superWeights();
    }

    /**
     * The outcome over all prompts: {@code superWeights} are those found with at least half of the prompts;
     * {@code verdict} is a readable sentence with the evidence.
     */
    public record Detection(Options options, List<PromptResult> prompts, List<SuperWeight> superWeights,
                            List<Consistency> consistency, String verdict, double secondsPerPass) implements Outcome {
        public boolean found() {
            return !superWeights.isEmpty();
        }
    }

    /** The detector cannot run on this model with these prompts: a prompt is empty or does not fit the context. */
    public record NotApplicable(String reason) implements Outcome {
        @Override
        public String verdict() {
            return "not applicable: " + reason;
        }

        @Override
        public List<SuperWeight> superWeights() {
            return List.of();
        }
    }

    /** The paper's prompt (§1.2) and two story-like ones, for the cross-prompt check. */
    public static final List<String> DEFAULT_PROMPTS = List.of("Apple Inc. is a worldwide tech company.",
            "Once upon a time, there was a little girl named Lily.", "Summer is hot. Winter is");

    private final Options options;

    public SuperWeightDetector(Options options) {
        this.options = options;
    }

    /** {@link #analyse(TransformerModel, List, List)} over texts encoded with BOS. */
    public Outcome analyse(TransformerModel model, Tokenizer tokenizer, List<String> texts) {
        return analyse(model, texts, encode(tokenizer, texts));
    }

    /**
     * The detection over each prompt ({@code texts} label them in the report; ids include BOS), or
     * {@link NotApplicable} with the reason when a prompt is empty or longer than the model's context.
     *
     * @throws IllegalArgumentException if no prompt is given, or texts and prompts differ in number
     */
    public Outcome analyse(TransformerModel model, List<String> texts, List<int[]> prompts) {
        if (prompts.isEmpty() || texts.size() != prompts.size()) {
            throw new IllegalArgumentException("the detector needs at least one prompt and one label per prompt, got "
                    + prompts.size() + " prompt(s) and " + texts.size() + " label(s)");
        }
        Optional<NotApplicable> refused = notApplicable(model.config(), prompts);
        return refused.isPresent() ? refused.get() : run(model, texts, prompts);
    }

    /** {@link #detect(TransformerModel, List, List)} over texts encoded with BOS. */
    public Detection detect(TransformerModel model, Tokenizer tokenizer, List<String> texts) {
        return detect(model, texts, encode(tokenizer, texts));
    }

    /**
     * Runs the detection over each prompt ({@code texts} label them in the report; ids include BOS).
     *
     * @throws IllegalArgumentException when {@link #analyse} would answer {@link NotApplicable} (with its reason)
     */
    public Detection detect(TransformerModel model, List<String> texts, List<int[]> prompts) {
        Outcome o = analyse(model, texts, prompts);
        if (o instanceof NotApplicable na) {
            throw new IllegalArgumentException(na.reason());
        }
        return (Detection) o;
    }

    /** Why the detector cannot analyse this model with these prompts; empty when it can. */
    public static Optional<NotApplicable> notApplicable(ModelConfig cfg, List<int[]> prompts) {
        for (int p = 0; p < prompts.size(); p++) {
            int tokens = prompts.get(p).length;
            if (tokens == 0) {
                return Optional.of(new NotApplicable("prompt " + p + " has no tokens; a forward pass needs at least"
                        + " one (BOS)"));
            }
            if (tokens > cfg.maxSeqLen()) {
                return Optional.of(new NotApplicable("prompt " + p + " has " + tokens + " tokens, longer than the"
                        + " model's context (max_seq_len " + cfg.maxSeqLen() + "); use prompts that fit"));
            }
        }
        return Optional.empty();
    }

    private static List<int[]> encode(Tokenizer tokenizer, List<String> texts) {
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) {
            ids.add(tokenizer.encode(t, true, false));
        }
        return ids;
    }

    private Detection run(TransformerModel model, List<String> texts, List<int[]> prompts) {
        long t0 = System.nanoTime();
        int passes = 0;
        List<PromptResult> results = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            List<Iteration> its = new ArrayList<>();
            try (WeightEdit zeroed = new WeightEdit(model)) {
                ActivationScan scan = ActivationScan.of(model, prompts.get(p));
                passes++;
                while (true) {
                    List<Integer> spiking = spikingLayers(scan);
                    List<Finding> found = its.size() < options.maxIterations()
                            ? candidates(model, scan) : List.of();
                    if (found.isEmpty()) {
                        its.add(new Iteration(scan, spiking, List.of()));
                        break;
                    }
                    for (Finding f : found) {
                        zeroed.set(f.weight().parameter(), f.weight().row(), f.weight().col(), 0);
                    }
                    ActivationScan next = ActivationScan.of(model, prompts.get(p));
                    passes++;
                    List<Finding> withAfter = new ArrayList<>();
                    for (Finding f : found) {
                        double after = projection(next, f.weight()).map(d -> d.output().abs()).orElse(0.0);
                        withAfter.add(new Finding(f.weight(), f.token(), f.inputValue(), f.outputValue(), f.share(),
                                after));
                    }
                    its.add(new Iteration(scan, spiking, withAfter));
                    scan = next;
                }
            }
            results.add(new PromptResult(texts.get(p), prompts.get(p).length, its));
            SameDiffRuntime.releaseMemory();
        }
        double perPass = (System.nanoTime() - t0) / 1e9 / passes;
        List<Consistency> consistency = consistency(results);
        int need = (prompts.size() + 1) / 2;
        List<SuperWeight> sws = consistency.stream().filter(c -> c.foundIn() >= need).map(Consistency::weight).toList();
        return new Detection(options, results, sws, consistency, verdict(results, consistency, sws), perPass);
    }

    private List<Integer> spikingLayers(ActivationScan scan) {
        List<Integer> out = new ArrayList<>();
        for (LayerStats l : scan.layers()) {
            if (l.projections().stream().anyMatch(options::spikes)) {
                out.add(l.layer());
            }
        }
        return out;
    }

    /** The projection of a scan that holds a weight (absent when an expert received no token). */
    private static Optional<DownProj> projection(ActivationScan scan, SuperWeight w) {
        return scan.layers().get(w.layer()).projections().stream()
                .filter(d -> d.site() == w.site() && d.expert() == w.expert()).findFirst();
    }

    /** The weights of the earliest spike (in the early layers) that a few weights explain; empty when none does. */
    private List<Finding> candidates(TransformerModel model, ActivationScan scan) {
        int early = options.earlyLayers(scan.layers().size());
        for (LayerStats l : scan.layers()) {
            if (l.layer() >= early) {
                break;
            }
            for (DownProj d : l.projections()) {
                if (options.spikes(d)) {
                    List<Finding> found = attribute(model, l.layer(), d);
                    if (!found.isEmpty()) {
                        return found;
                    }
                }
            }
        }
        return List.of();
    }

    /**
     * The fewest weights of the output spike's row whose contributions {@code x[t, k]·W[row, k]} explain at least
     * {@code minShare} of {@code y[t, row]}, if they include the input spike's column and number at most
     * {@code maxPerSpike}; else empty.
     */
    private List<Finding> attribute(TransformerModel model, int layer, DownProj d) {
        int row = d.output().channel();
        double y = d.output().value();
        INDArray w = model.parameters().get(d.weight(layer, row, 0).parameter()); // [D, hidden]
        double[] x = d.inputAtPeak();
        Integer[] order = new Integer[x.length];
        double[] share = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            order[k] = k;
            share[k] = x[k] * w.getDouble(row, k) / y;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer k) -> -share[k]).thenComparingInt(k -> k));
        double explained = 0;
        List<Finding> found = new ArrayList<>();
        for (int k : order) {
            if (found.size() == options.maxPerSpike() || share[k] <= 0) {
                return List.of();
            }
            SuperWeight sw = d.weight(layer, row, k).withValue(w.getDouble(row, k));
            found.add(new Finding(sw, d.output().token(), x[k], y, share[k], Double.NaN));
            explained += share[k];
            if (explained >= options.minShare()) {
                break;
            }
        }
        boolean readOut = found.stream().anyMatch(f -> f.weight().col() == d.input().channel());
        return explained >= options.minShare() && readOut ? found : List.of();
    }

    private static List<Consistency> consistency(List<PromptResult> results) {
        List<SuperWeight> all = new ArrayList<>();
        for (PromptResult r : results) {
            for (Finding f : r.findings()) {
                if (all.stream().noneMatch(s -> s.sameCoordinates(f.weight()))) {
                    all.add(f.weight());
                }
            }
        }
        List<Consistency> out = new ArrayList<>();
        for (SuperWeight sw : all) {
            int found = 0;
            List<Integer> channels = new ArrayList<>();
            List<Integer> tokens = new ArrayList<>();
            for (PromptResult r : results) {
                if (r.findings().stream().anyMatch(f -> f.weight().sameCoordinates(sw))) {
                    found++;
                }
                Optional<Extreme> e = projection(r.original(), sw).map(DownProj::output);
                channels.add(e.map(Extreme::channel).orElse(-1));
                tokens.add(e.map(Extreme::token).orElse(-1));
            }
            out.add(new Consistency(sw, results.size(), found, channels, tokens));
        }
        return out;
    }

    private String verdict(List<PromptResult> results, List<Consistency> consistency, List<SuperWeight> sws) {
        StringBuilder b = new StringBuilder();
        if (!sws.isEmpty()) {
            b.append(sws.size()).append(" super weight(s) found: ");
            for (SuperWeight sw : sws) {
                Consistency c = consistency.stream().filter(x -> x.weight().sameCoordinates(sw)).findFirst().orElseThrow();
                Finding f = results.stream().flatMap(r -> r.findings().stream())
                        .filter(x -> x.weight().sameCoordinates(sw)).findFirst().orElseThrow();
                b.append(String.format(Locale.ROOT, "%s = %.4g (%s; found with %d/%d prompts; input %.4g at token %d"
                                + " channel %d, output spike %.4g at channel %d, of which this weight gives %.0f%%;"
                                + " zeroing the spike's weights takes max|down_proj output| of layer %d's %s from %.4g"
                                + " to %.4g); ",
                        sw.coordinate(), sw.value(), sw.siteLabel(), c.foundIn(), c.prompts(), f.inputValue(),
                        f.token(), sw.col(), f.outputValue(), sw.row(), 100 * f.share(), sw.layer(), sw.siteLabel(),
                        Math.abs(f.outputValue()), f.outputMaxAfterZeroing()));
            }
            return appendLate(b.toString().replaceAll("; $", ""), results);
        }
        ActivationScan s = results.get(0).original();
        LayerStats in = null;
        DownProj inP = null;
        LayerStats outL = null;
        DownProj outP = null;
        for (LayerStats l : s.layers()) {
            for (DownProj d : l.projections()) {
                if (inP == null || d.input().abs() > inP.input().abs()) {
                    in = l;
                    inP = d;
                }
                if (outP == null || d.output().abs() > outP.output().abs()) {
                    outL = l;
                    outP = d;
                }
            }
        }
        LayerStats res = s.layers().get(0);
        for (LayerStats l : s.layers()) {
            if (l.residual().ratio() > res.residual().ratio()) {
                res = l;
            }
        }
        b.append(String.format(Locale.ROOT, "no super weight found: with the first prompt the largest |down_proj input|"
                        + " is %.4g (layer %d%s, channel %d, token %d, %.1f× the median) and the largest |down_proj"
                        + " output| %.4g (layer %d%s, channel %d, token %d, %.1f× the median), against thresholds"
                        + " |x| > %.4g and > %.4g× the median; the largest residual-stream ratio is %.1f× (layer %d,"
                        + " channel %d, |h| %.4g)",
                inP.input().abs(), in.layer(), siteSuffix(inP), inP.input().channel(), inP.input().token(),
                inP.input().ratio(), outP.output().abs(), outL.layer(), siteSuffix(outP), outP.output().channel(),
                outP.output().token(), outP.output().ratio(), options.thresholdAbs(), options.thresholdRel(),
                res.residual().ratio(), res.layer(), res.residual().channel(), res.residual().abs()));
        List<String> unexplained = new ArrayList<>();
        int early = options.earlyLayers(s.layers().size());
        for (int p = 0; p < results.size(); p++) {
            for (int l : results.get(p).iterations().get(0).spikingLayers()) {
                if (l < early) {
                    unexplained.add("prompt " + p + " layer " + l);
                }
            }
        }
        if (!unexplained.isEmpty()) {
            b.append("; spikes that at most ").append(options.maxPerSpike()).append(" weight(s) do not explain: ")
                    .append(String.join(", ", unexplained));
        }
        if (!consistency.isEmpty()) {
            b.append("; candidates found with fewer than half of the prompts: ");
            b.append(String.join(", ", consistency.stream().map(c -> c.weight().coordinate() + " (" + c.foundIn() + "/"
                    + c.prompts() + ")").toList()));
        }
        return appendLate(b.toString(), results);
    }

    private static String siteSuffix(DownProj d) {
        return d.site() == SuperWeight.Site.DENSE ? "" : " " + d.label();
    }

    /** Adds the spikes of the first pass in layers past the early ones, which are not counted. */
    private String appendLate(String verdict, List<PromptResult> results) {
        ActivationScan s = results.get(0).original();
        int early = options.earlyLayers(s.layers().size());
        List<String> late = new ArrayList<>();
        for (LayerStats l : s.layers()) {
            for (DownProj d : l.projections()) {
                if (l.layer() >= early && options.spikes(d)) {
                    late.add(String.format(Locale.ROOT, "layer %d%s (input %.4g at channel %d, output %.4g at channel"
                            + " %d)", l.layer(), siteSuffix(d), d.input().value(), d.input().channel(),
                            d.output().value(), d.output().channel()));
                }
            }
        }
        return late.isEmpty() ? verdict : verdict + "; late-layer spikes with the first prompt, not counted (only"
                + " layers below " + early + " can hold a super weight): " + String.join(", ", late);
    }

    /**
     * The weight a study ablates when nothing was detected: the official read-out ({@code down_proj.weight[output
     * spike channel, input spike channel]}) of the down projection with the largest |output| over every prompt's
     * unmodified model, within the early layers; empty when no early layer has a projection.
     */
    public static Optional<SuperWeight> strongestCandidate(Detection d) {
        DownProj best = null;
        int bestLayer = -1;
        for (PromptResult r : d.prompts()) {
            int early = d.options().earlyLayers(r.original().layers().size());
            for (LayerStats l : r.original().layers()) {
                for (DownProj p : l.projections()) {
                    if (l.layer() < early && (best == null || p.output().abs() > best.output().abs())) {
                        best = p;
                        bestLayer = l.layer();
                    }
                }
            }
        }
        return best == null ? Optional.empty()
                : Optional.of(best.weight(bestLayer, best.output().channel(), best.input().channel()));
    }

    /** Sun et al.'s massive-activation criterion (§1.9): |h| > 100 and > 1000× the median of that hidden state. */
    public static boolean massive(Extreme e) {
        return e.abs() > 100 && e.ratio() > 1000;
    }

    /** Per-layer rows for JSON: the numbers the plots show. */
    public static List<Map<String, Object>> layerTable(ActivationScan scan) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (LayerStats l : scan.layers()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("layer", l.layer());
            r.put("down_proj_input", l.downInput());
            r.put("down_proj_output", l.downOutput());
            List<Map<String, Object>> projections = new ArrayList<>();
            for (DownProj d : l.projections()) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("mlp", d.label());
                p.put("tokens", d.tokens());
                p.put("input", d.input());
                p.put("output", d.output());
                projections.add(p);
            }
            r.put("down_projections", projections);
            r.put("residual", l.residual());
            r.put("massive_activation", massive(l.residual()));
            rows.add(r);
        }
        return rows;
    }
}
