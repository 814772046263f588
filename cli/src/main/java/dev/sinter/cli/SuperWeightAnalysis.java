package dev.sinter.cli;

import dev.sinter.eval.quant.QuantizationStudy;
import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.superweights.StopwordShift;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.superweights.SuperWeightReport;
import dev.sinter.eval.tasks.Task;
import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.EncoderActivationScan;
import dev.sinter.encoders.EncoderTokenizer;
import dev.sinter.encoders.ImportedEncoder;
import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.models.transformer.LinearLayer;
import org.nd4j.linalg.api.buffer.DataType;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.samediff.SameDiffRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The super-weight analysis of a decoder (papers.md §1.2), what {@code sinter analyze super-weights} runs: the
 * detector and, on request, the ablation table with the scaling sweep, the quantization table and the stopword
 * shift, written as one report. Called through {@link Sinter#analyzeSuperWeights(Request)}.
 */
public final class SuperWeightAnalysis {
    /** How {@code --model} names an imported encoder: {@code encoder:all-minilm-l6-v2}. */
    public static final String ENCODER_PREFIX = "encoder:";

    private SuperWeightAnalysis() {
    }

    /**
     * Tasks and perplexity texts that score the model in every condition of the ablation and quantization tables.
     *
     * @param tasks     tasks (a perplexity file is a {@code PerplexityTask})
     * @param limit     items per task (0 = all)
     * @param batchSize sequences per forward pass
     */
    public record Scoring(List<Task> tasks, int limit, int batchSize) {
    }

    /**
     * What to analyse.
     *
     * @param model         run directory, checkpoint directory or llama2.c {@code .bin}
     * @param tokenizer     tokenizer path or {@code byte}; null = the model's own
     * @param prompts       detector prompts; empty = {@link SuperWeightDetector#DEFAULT_PROMPTS}
     * @param detector      thresholds of the detector
     * @param superWeights  coordinates used for the ablations instead of the detected ones; empty = the detected ones
     * @param scoring       scoring for the ablation and quantization tables; null when neither is asked for
     * @param ablate        run the ablation table and the scaling sweep
     * @param pruneFraction p of "prune non-SW": ⌊p·numel⌋ largest weights per matrix
     * @param scales        factors of the scaling sweep (empty: none)
     * @param randomSeed    seed of the ablation table's "prune random" row; empty: no such row
     * @param strongestCandidate when nothing is detected (and no coordinates are given), ablate, shift and restore the
     *                      strongest early-layer candidate ({@link SuperWeightDetector#strongestCandidate}) instead of
     *                      skipping
     * @param quantization  the quantization table's settings; null = no table
     * @param lambada       LAMBADA items for the stopword shift; null = no stopword shift
     * @param lambadaLimit  LAMBADA prompts for the stopword shift
     * @param output        report folder; null = {@code runs/analysis/<model>}
     */
    public record Request(Path model, String tokenizer, List<String> prompts, SuperWeightDetector.Options detector,
                          List<SuperWeight> superWeights, Scoring scoring, boolean ablate, double pruneFraction,
                          List<Double> scales, OptionalLong randomSeed, boolean strongestCandidate,
                          QuantizationStudy quantization, Path lambada, int lambadaLimit, Path output) {
        public Request {
            prompts = prompts.isEmpty() ? SuperWeightDetector.DEFAULT_PROMPTS : List.copyOf(prompts);
            superWeights = List.copyOf(superWeights);
            scales = List.copyOf(scales);
            if ((ablate || quantization != null) && (scoring == null || scoring.tasks().isEmpty())) {
                throw new UsageException("the ablation and quantization tables need tasks and/or a perplexity file"
                        + " (--tasks, --perplexity)");
            }
        }

        /** Only the detector, with its default thresholds, on the default prompts; report in the default folder. */
        public static Request detect(Path model, String tokenizer) {
            return new Request(model, tokenizer, List.of(), SuperWeightDetector.Options.DEFAULT, List.of(), null,
                    false, Ablations.PAPER_PRUNE_FRACTION, Ablations.SCALES, OptionalLong.empty(), false, null, null,
                    0, null);
        }
    }

    /**
     * The analysis.
     *
     * @param model           the resolved model path
     * @param outcome         the detector's verdict
     * @param detectSeconds   time of the detection
     * @param superWeights    the coordinates the ablations used (given, detected, or the strongest candidate)
     * @param candidate       whether {@code superWeights} is the strongest candidate standing in for none detected
     * @param ablations       the ablation table and scaling sweep, when asked for and a super weight exists
     * @param ablationSeconds time of the ablation table
     * @param quantization    the quantization table's rows (empty when not asked for)
     * @param stopwords       the stopword shift, when asked for and a super weight exists
     * @param skipped         what was asked for but skipped, and why
     * @param report          {@code super_weights.html}
     */
    public record Result(Path model, SuperWeightDetector.Outcome outcome, double detectSeconds,
                         List<SuperWeight> superWeights, boolean candidate, Optional<Ablations.Table> ablations,
                         double ablationSeconds,
                         List<Ablations.Row> quantization, Optional<StopwordShift.Result> stopwords,
                         List<String> skipped, Path report) {
    }

    static Result run(Request q) throws IOException {
        SameDiffRuntime.init();
        ModelAndTokenizer mt = ModelAndTokenizer.load(q.model(), q.tokenizer());
        long t0 = System.nanoTime();
        SuperWeightDetector.Outcome d = new SuperWeightDetector(q.detector()).analyse(mt.model(), mt.tokenizer(),
                q.prompts());
        double detectSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("model", mt.path().toString());
        facts.put("tokenizer", mt.tokenizer().describe());
        facts.put("parameters", mt.model().parameterCount());
        facts.put("detection_seconds", detectSeconds);
        List<SuperWeight> sws = q.superWeights().isEmpty() ? d.superWeights() : q.superWeights();
        Optional<SuperWeight> standIn = sws.isEmpty() && q.strongestCandidate()
                && d instanceof SuperWeightDetector.Detection det ? SuperWeightDetector.strongestCandidate(det)
                : Optional.empty();
        boolean candidate = standIn.isPresent();
        if (candidate) {
            sws = List.of(standIn.get());
            facts.put("ablated_candidate", sws.get(0).coordinate() + " (none detected: the strongest early-layer"
                    + " read-out stands in)");
        }
        String name = modelName(mt.path());
        SuperWeightReport report = new SuperWeightReport(q.output() != null ? q.output()
                : Path.of("runs", "analysis", name), "Super weights: " + name, facts).outcome(d);
        sws.forEach(s -> s.check(mt.model().config()));
        List<String> skipped = new ArrayList<>();
        Ablations.Table table = null;
        double ablationSeconds = 0;
        List<Ablations.Row> quantized = List.of();
        if (q.ablate() || q.quantization() != null) {
            Ablations scorer = new Ablations(mt.model(), mt.tokenizer(), q.scoring().tasks(), q.scoring().limit(),
                    q.scoring().batchSize());
            if (q.ablate() && sws.isEmpty()) {
                skipped.add("ablations skipped: no super weight (pass --super-weight L,ROW,COL to force)");
            } else if (q.ablate()) {
                long a0 = System.nanoTime();
                table = scorer.run(sws, q.pruneFraction(), q.scales(), q.randomSeed());
                skipped.addAll(table.notes());
                ablationSeconds = (System.nanoTime() - a0) / 1e9;
                report.ablations(table);
            }
            if (q.quantization() != null) {
                QuantizationStudy s = q.quantization();
                quantized = s.run(mt.model(), scorer, sws);
                report.quantization(quantized, Map.of("bits", s.bits(), "block_sizes", s.blockSizes().stream()
                        .map(b -> b == 0 ? "tensor" : b.toString()).toList(), "clip_z",
                        s.clipZ(), "super_weights", sws.stream().map(SuperWeight::coordinate).toList()));
            }
        }
        StopwordShift.Result shift = null;
        if (q.lambada() != null && sws.isEmpty()) {
            skipped.add("stopword shift skipped: no super weight (pass --super-weight L,ROW,COL to force)");
        } else if (q.lambada() != null) {
            shift = StopwordShift.run(mt.model(), mt.tokenizer(), StopwordShift.lambadaContexts(q.lambada(),
                    q.lambadaLimit()), sws, StopwordShift.ENGLISH, 10);
            report.stopwords(shift);
        }
        return new Result(mt.path(), d, detectSeconds, sws, candidate, Optional.ofNullable(table), ablationSeconds,
                quantized,
                Optional.ofNullable(shift), skipped, report.write());
    }

    /**
     * The activation scan of an imported encoder.
     *
     * @param layers per layer: FFN output projection input and output, hidden state
     * @param verdict whether a layer has a massive activation
     * @param report {@code super_weights.html}
     */
    public record EncoderScan(List<EncoderActivationScan.Layer> layers, String verdict, Path report) {
    }

    /**
     * Scans an imported encoder ({@link PretrainedEncoder}): its FFN output projection plays down_proj's role; the
     * per-layer extremes and the verdict go into a report in {@code output} (null = {@code runs/analysis/<encoder>}).
     */
    static EncoderScan scanEncoder(PretrainedEncoder id, List<String> prompts, double thresholdAbs,
                                   double thresholdRel, Path output) throws IOException {
        SameDiffRuntime.init();
        List<String> texts = prompts.isEmpty() ? SuperWeightDetector.DEFAULT_PROMPTS : prompts;
        ImportedEncoder base = id.load();
        BertEncoder enc = BertEncoder.create(base.config(), 0, DataType.FLOAT, 0, LinearLayer.DENSE);
        enc.loadParameters(base.weights(), base.source());
        List<EncoderActivationScan.Layer> layers;
        try (EncoderTokenizer tok = id.tokenizer()) {
            layers = EncoderActivationScan.scan(enc, tok, texts, 128);
        }
        String verdict = EncoderActivationScan.verdict(layers, thresholdAbs, thresholdRel);
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("model", ENCODER_PREFIX + id.id());
        facts.put("source", id.mavenCoordinates());
        facts.put("prompts", texts);
        facts.put("threshold_abs", thresholdAbs);
        facts.put("threshold_rel", thresholdRel);
        Path out = output != null ? output : Path.of("runs", "analysis", id.id());
        Path report = new SuperWeightReport(out, "Super weights: encoder " + id.id(), facts).verdict(verdict)
                .layers("encoder_layers", "Per layer: FFN output projection input and output, hidden state (all"
                        + " prompts, padding excluded)", encoderRows(layers), encoderSeries(layers)).write();
        return new EncoderScan(layers, verdict, report);
    }

    private static List<Map<String, Object>> encoderRows(List<EncoderActivationScan.Layer> layers) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (EncoderActivationScan.Layer l : layers) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("layer", l.index());
            put(r, "FFN in", l.ffnInput());
            put(r, "FFN out", l.ffnOutput());
            put(r, "hidden", l.hidden());
            rows.add(r);
        }
        return rows;
    }

    private static void put(Map<String, Object> row, String name, EncoderActivationScan.Extreme e) {
        row.put("max |" + name + "|", Math.abs(e.value()));
        row.put(name + " tok/ch", e.token() + "/" + e.channel());
        row.put(name + " ×median", e.ratioToMedian());
    }

    private static Map<String, double[]> encoderSeries(List<EncoderActivationScan.Layer> layers) {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("|FFN input|", layers.stream().mapToDouble(l -> Math.abs(l.ffnInput().value())).toArray());
        series.put("|FFN output|", layers.stream().mapToDouble(l -> Math.abs(l.ffnOutput().value())).toArray());
        series.put("|hidden|", layers.stream().mapToDouble(l -> Math.abs(l.hidden().value())).toArray());
        return series;
    }

    /** A model's name for report folders: the file name without {@code .bin}; {@code <run>-step-N} for checkpoints. */
    static String modelName(Path p) {
        String n = p.getFileName().toString().replaceAll("\\.bin$", "");
        return n.startsWith("step-") && p.getParent() != null && p.getParent().getParent() != null
                ? p.getParent().getParent().getFileName() + "-" + n : n;
    }
}
