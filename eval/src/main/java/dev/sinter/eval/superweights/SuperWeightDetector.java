package dev.sinter.eval.superweights;

import dev.sinter.eval.superweights.ActivationScan.Extreme;
import dev.sinter.eval.superweights.ActivationScan.LayerStats;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds super weights as the paper's code does (papers.md §1.2): one forward pass per prompt, per layer the
 * largest-|value| element of the {@code mlp.down_proj} input and output; at the earliest <em>spiking</em> layer the
 * weight {@code down_proj.weight[row = output spike channel, col = input spike channel]}; then zero it, rerun and look
 * again until nothing spikes. Every zeroed weight is restored before {@link #detect} returns.
 *
 * <p>A layer spikes when both its input and its output maximum exceed {@code thresholdAbs} (the paper's 50) and
 * {@code thresholdRel} × the median |value| of the same tensor, sit at the same token, and the candidate weight
 * alone explains at least {@code minShare} of the output spike ({@code x[t, col]·W[row, col] / y[t, row]}). The last
 * test is ours: it keeps a coordinate from being reported when the input and output spikes merely coincide.
 */
public final class SuperWeightDetector {
    /** Thresholds and limits. */
    public record Options(double thresholdAbs, double thresholdRel, double minShare, int maxIterations) {
        /** The paper's |max| > 50, 100× the median, at least half the spike from one weight, at most 6 (§1.1). */
        public static final Options DEFAULT = new Options(50, 100, 0.5, 6);

        public Options {
            if (!(thresholdAbs >= 0) || !(thresholdRel >= 0) || !(minShare > 0 && minShare <= 1) || maxIterations < 1) {
                throw new UsageException("detector options: threshold-abs and threshold-rel must be >= 0,"
                        + " min share in (0, 1], max iterations >= 1; got " + thresholdAbs + ", " + thresholdRel + ", "
                        + minShare + ", " + maxIterations);
            }
        }

        boolean spikes(Extreme e) {
            return e != null && e.abs() > thresholdAbs && e.ratio() > thresholdRel;
        }
    }

    /** A found weight with its evidence at the pass that found it. */
    public record Finding(SuperWeight weight, int token, double inputValue, double outputValue, double share,
                          double outputMaxAfterZeroing) {
    }

    /** One pass: its scan, the spiking layers, and what it found (null when nothing). */
    public record Iteration(ActivationScan scan, List<Integer> spikingLayers, Finding found) {
    }

    /** All passes over one prompt. */
    public record PromptResult(String prompt, int tokens, List<Iteration> iterations) {
        /** The scan of the unmodified model. */
        public ActivationScan original() {
            return iterations.get(0).scan();
        }

        public List<Finding> findings() {
            return iterations.stream().filter(i -> i.found() != null).map(Iteration::found).toList();
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

    /**
     * The detector cannot run on this model with these prompts: every layer is a Mixture-of-Experts layer (there is
     * no dense {@code mlp.down_proj} to read), or a prompt does not fit the model's context.
     */
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
     * {@link NotApplicable} with the reason when the model has no dense down projection or a prompt is empty or
     * longer than the model's context.
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

    /** Why the detector cannot analyse a model of this architecture with these prompts; empty when it can. */
    public static Optional<NotApplicable> notApplicable(ModelConfig cfg, List<int[]> prompts) {
        if (cfg.moeLayers().size() == cfg.nLayers()) {
            return Optional.of(new NotApplicable("every layer of this model is a Mixture-of-Experts layer, so there is"
                    + " no dense mlp.down_proj to read a super weight from"));
        }
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
                    Finding f = its.size() < options.maxIterations() ? candidate(model, scan, spiking) : null;
                    if (f == null) {
                        its.add(new Iteration(scan, spiking, null));
                        break;
                    }
                    zeroed.set(f.weight().parameter(), f.weight().row(), f.weight().col(), 0);
                    ActivationScan next = ActivationScan.of(model, prompts.get(p));
                    passes++;
                    double after = next.layers().get(f.weight().layer()).downOutput().abs();
                    its.add(new Iteration(scan, spiking, new Finding(f.weight(), f.token(), f.inputValue(),
                            f.outputValue(), f.share(), after)));
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
            if (options.spikes(l.downInput()) && options.spikes(l.downOutput())) {
                out.add(l.layer());
            }
        }
        return out;
    }

    /** The paper's read-out at the earliest spiking layer whose output spike one weight explains. */
    private Finding candidate(TransformerModel model, ActivationScan scan, List<Integer> spiking) {
        for (int l : spiking) {
            LayerStats s = scan.layers().get(l);
            if (s.downInput().token() != s.downOutput().token()) {
                continue;
            }
            int row = s.downOutput().channel();
            int col = s.downInput().channel();
            SuperWeight sw = new SuperWeight(l, row, col, Double.NaN);
            double w = model.parameters().get(sw.parameter()).getDouble(row, col);
            double share = s.downInput().value() * w / s.downOutput().value();
            if (share >= options.minShare()) {
                return new Finding(sw.withValue(w), s.downOutput().token(), s.downInput().value(),
                        s.downOutput().value(), share, Double.NaN);
            }
        }
        return null;
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
                Extreme e = r.original().layers().get(sw.layer()).downOutput();
                channels.add(e.channel());
                tokens.add(e.token());
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
                b.append(String.format(Locale.ROOT, "%s = %.4g (found with %d/%d prompts; input spike %.4g at token %d"
                                + " channel %d, output spike %.4g at channel %d, of which this weight gives %.0f%%;"
                                + " zeroing it takes max|down_proj output| of layer %d from %.4g to %.4g); ",
                        sw.coordinate(), sw.value(), c.foundIn(), c.prompts(), f.inputValue(), f.token(), sw.col(),
                        f.outputValue(), sw.row(), 100 * f.share(), sw.layer(), Math.abs(f.outputValue()),
                        f.outputMaxAfterZeroing()));
            }
            return b.toString().replaceAll("; $", "");
        }
        ActivationScan s = results.get(0).original();
        LayerStats in = null;
        LayerStats outL = null;
        for (LayerStats l : s.layers()) {
            if (l.downInput() == null) {
                continue;
            }
            if (in == null || l.downInput().abs() > in.downInput().abs()) {
                in = l;
            }
            if (outL == null || l.downOutput().abs() > outL.downOutput().abs()) {
                outL = l;
            }
        }
        LayerStats res = s.layers().get(0);
        for (LayerStats l : s.layers()) {
            if (l.residual().ratio() > res.residual().ratio()) {
                res = l;
            }
        }
        b.append(String.format(Locale.ROOT, "no super weight found: with the first prompt the largest |down_proj input|"
                        + " is %.4g (layer %d, channel %d, token %d, %.1f× the median) and the largest |down_proj output|"
                        + " %.4g (layer %d, channel %d, token %d, %.1f× the median), against thresholds |x| > %.4g and"
                        + " > %.4g× the median; the largest residual-stream ratio is %.1f× (layer %d, channel %d, |h| %.4g)",
                in.downInput().abs(), in.layer(), in.downInput().channel(), in.downInput().token(), in.downInput().ratio(),
                outL.downOutput().abs(), outL.layer(), outL.downOutput().channel(), outL.downOutput().token(),
                outL.downOutput().ratio(), options.thresholdAbs(), options.thresholdRel(), res.residual().ratio(),
                res.layer(), res.residual().channel(), res.residual().abs()));
        List<String> unexplained = new ArrayList<>();
        for (int p = 0; p < results.size(); p++) {
            for (int l : results.get(p).iterations().get(0).spikingLayers()) {
                unexplained.add("prompt " + p + " layer " + l);
            }
        }
        if (!unexplained.isEmpty()) {
            b.append("; spikes without a single-weight cause: ").append(String.join(", ", unexplained));
        }
        if (!consistency.isEmpty()) {
            b.append("; candidates found with fewer than half of the prompts: ");
            b.append(String.join(", ", consistency.stream().map(c -> c.weight().coordinate() + " (" + c.foundIn() + "/"
                    + c.prompts() + ")").toList()));
        }
        return b.toString();
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
            r.put("residual", l.residual());
            r.put("massive_activation", massive(l.residual()));
            rows.add(r);
        }
        return rows;
    }
}
