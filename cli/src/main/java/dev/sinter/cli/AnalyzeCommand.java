package dev.sinter.cli;

import dev.sinter.eval.quant.QuantizationStudy;
import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.superweights.StopwordShift;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.superweights.SuperWeightDetector.Detection;
import dev.sinter.eval.superweights.SuperWeightDetector.Outcome;
import dev.sinter.eval.superweights.SuperWeightReport;
import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.EncoderActivationScan;
import dev.sinter.encoders.EncoderTokenizer;
import dev.sinter.encoders.ImportedEncoder;
import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.transformer.LinearLayer;
import org.nd4j.linalg.api.buffer.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sinter analyze super-weights …}: model analyses. */
@Command(name = "analyze", description = "Analyse a model (super weights and super activations).",
        subcommands = {AnalyzeCommand.SuperWeights.class})
final class AnalyzeCommand {

    /**
     * {@code sinter analyze super-weights --model PATH [--prompt TEXT]…}: the detector (papers.md §1.2) and, on
     * request, the ablation table, the scaling sweep, the stopword shift and the quantization table, in one report.
     */
    @Command(name = "super-weights", description = {"Find super weights (one forward pass per prompt; iterate after"
            + " zeroing) and report per-layer maxima, massive activations and cross-prompt consistency.",
            "With --tasks/--perplexity: the paper's ablations and scaling sweep (--ablate), stopword shift"
                    + " (--stopwords) and quantization table (--quantize)."})
    static final class SuperWeights implements Callable<Integer> {
        static final String ENCODER_PREFIX = "encoder:";

        @Mixin
        ModelOptions source;

        @Option(names = "--prompt", paramLabel = "TEXT", description = "prompt(s); default: the paper's and two more")
        List<String> prompts = new ArrayList<>();

        @Option(names = "--threshold-abs", defaultValue = "50", description = "spike: |max| above this (paper: 50)")
        double thresholdAbs;

        @Option(names = "--threshold-rel", defaultValue = "100", description = "spike: |max| above this × the median")
        double thresholdRel;

        @Option(names = "--min-share", defaultValue = "0.5",
                description = "share of the output spike one weight must explain")
        double minShare;

        @Option(names = "--super-weight", paramLabel = "L,ROW,COL",
                description = "use these coordinates for the ablations instead of the detected ones")
        List<String> given = new ArrayList<>();

        @Mixin
        ScoringOptions scoring;

        @Option(names = "--ablate", description = "run the ablation table and the scaling sweep")
        boolean ablate;

        @Option(names = "--prune-fraction", defaultValue = "1e-4",
                description = "p of 'prune non-SW': ⌊p·numel⌋ largest weights per matrix (paper: 1e-6 at 7B)")
        double pruneFraction;

        @Option(names = "--stopwords", description = "stopword shift over LAMBADA contexts")
        boolean stopwords;

        @Option(names = "--lambada-limit", defaultValue = "200", description = "LAMBADA prompts for --stopwords")
        int lambadaLimit;

        @Option(names = "--quantize", description = "quantization table (see `sinter quantize`)")
        boolean quantize;

        @Option(names = "--bits", defaultValue = "4")
        int bits;

        @Option(names = "--block-sizes", defaultValue = "1024,4096,16384,tensor", split = ",")
        List<String> blockSizes;

        @Option(names = "--clip-z", defaultValue = "9")
        double clipZ;

        @Option(names = "--output", paramLabel = "DIR", description = "report folder (default: runs/analysis/<model>)")
        Path output;

        /**
         * Imported encoders ({@code --model encoder:all-minilm-l6-v2 | encoder:bge-small-en-v1.5}): their FFN output
         * projection plays down_proj's role; the scan prints per-layer extremes and the verdict, and writes them as a
         * report to {@code --output} (default {@code runs/analysis/<encoder>}).
         */
        private int scanEncoder(PretrainedEncoder id, List<String> texts) throws Exception {
            ImportedEncoder base = id.load();
            BertEncoder enc = BertEncoder.create(base.config(), 0, DataType.FLOAT, 0, LinearLayer.DENSE);
            enc.loadParameters(base.weights(), base.source());
            List<EncoderActivationScan.Layer> layers;
            try (EncoderTokenizer tok = id.tokenizer()) {
                layers = EncoderActivationScan.scan(enc, tok, texts, 128);
            }
            System.out.println("layer | max |FFN in| (token, ch, ×median) | max |FFN out| | max |hidden|");
            for (EncoderActivationScan.Layer l : layers) {
                System.out.printf(Locale.ROOT, "%5d | %s | %s | %s%n", l.index(), cell(l.ffnInput()),
                        cell(l.ffnOutput()), cell(l.hidden()));
            }
            String verdict = EncoderActivationScan.verdict(layers, thresholdAbs, thresholdRel);
            System.out.println(verdict);
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("model", ENCODER_PREFIX + id.id());
            facts.put("source", id.mavenCoordinates());
            facts.put("prompts", texts);
            facts.put("threshold_abs", thresholdAbs);
            facts.put("threshold_rel", thresholdRel);
            Path out = output != null ? output : Path.of("runs", "analysis", id.id());
            System.out.println("report: " + new SuperWeightReport(out, "Super weights: encoder " + id.id(), facts)
                    .verdict(verdict).layers("encoder_layers", "Per layer: FFN output projection input and output,"
                            + " hidden state (all prompts, padding excluded)", encoderRows(layers), encoderSeries(layers))
                    .write());
            return 0;
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

        private static String cell(EncoderActivationScan.Extreme e) {
            return String.format(Locale.ROOT, "%.2f (t%d, ch%d, %.1f×)", e.value(), e.token(), e.channel(),
                    e.ratioToMedian());
        }

        @Override
        public Integer call() throws Exception {
            SameDiffRuntime.init();
            List<String> texts = prompts.isEmpty() ? SuperWeightDetector.DEFAULT_PROMPTS : prompts;
            if (source.model.toString().startsWith(ENCODER_PREFIX)) {
                return scanEncoder(PretrainedEncoder.named(source.model.toString().substring(ENCODER_PREFIX.length())), texts);
            }
            ModelAndTokenizer mt = source.load();
            SuperWeightDetector det = new SuperWeightDetector(new SuperWeightDetector.Options(thresholdAbs,
                    thresholdRel, minShare, SuperWeightDetector.Options.DEFAULT.maxIterations()));
            long t0 = System.nanoTime();
            Outcome d = det.analyse(mt.model(), mt.tokenizer(), texts);
            double detectSeconds = (System.nanoTime() - t0) / 1e9;
            Path out = output != null ? output : Path.of("runs", "analysis", name(mt.path()));
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("model", mt.path().toString());
            facts.put("tokenizer", mt.tokenizer().describe());
            facts.put("parameters", mt.model().parameterCount());
            facts.put("detection_seconds", detectSeconds);
            SuperWeightReport report = new SuperWeightReport(out, "Super weights: " + name(mt.path()), facts)
                    .outcome(d);
            System.out.println(d.verdict());
            if (d instanceof Detection detection) {
                System.out.printf(Locale.ROOT, "detector: %d prompt(s), %.3f s per forward pass, %.2f s in all%n",
                        texts.size(), detection.secondsPerPass(), detectSeconds);
            }
            List<SuperWeight> sws = given.isEmpty() ? d.superWeights() : given.stream().map(SuperWeight::parse).toList();
            sws.forEach(s -> s.check(mt.model().config()));
            if (ablate || quantize) {
                Ablations scorer = scoring.scorer(mt, "--ablate and --quantize");
                if (ablate) {
                    if (sws.isEmpty()) {
                        System.out.println("ablations skipped: no super weight (pass --super-weight L,ROW,COL to force)");
                    } else {
                        long a0 = System.nanoTime();
                        Ablations.Table t = scorer.run(sws, pruneFraction, Ablations.SCALES);
                        System.out.printf(Locale.ROOT, "ablation table + scaling sweep: %.1f s%n",
                                (System.nanoTime() - a0) / 1e9);
                        print(t.conditions());
                        print(t.scaling());
                        report.ablations(t);
                    }
                }
                if (quantize) {
                    QuantizationStudy q = new QuantizationStudy(bits, QuantizeCommand.blockSizes(blockSizes), clipZ, 8);
                    List<Ablations.Row> rows = q.run(mt.model(), scorer, sws);
                    print(rows);
                    report.quantization(rows, Map.of("bits", bits, "block_sizes", blockSizes, "clip_z", clipZ,
                            "super_weights", sws.stream().map(SuperWeight::coordinate).toList()));
                }
            }
            if (stopwords) {
                if (sws.isEmpty()) {
                    System.out.println("stopword shift skipped: no super weight (pass --super-weight L,ROW,COL to force)");
                } else {
                    List<String> ctx = StopwordShift.lambadaContexts(
                            scoring.data.dir().resolve("eval/lambada_openai.jsonl"), lambadaLimit);
                    report.stopwords(StopwordShift.run(mt.model(), mt.tokenizer(), ctx, sws, StopwordShift.ENGLISH, 10));
                }
            }
            System.out.println("report: " + report.write());
            return 0;
        }
    }

    static String name(Path p) {
        String n = p.getFileName().toString().replaceAll("\\.bin$", "");
        return n.startsWith("step-") && p.getParent() != null && p.getParent().getParent() != null
                ? p.getParent().getParent().getFileName() + "-" + n : n;
    }

    static void print(List<Ablations.Row> rows) {
        for (Ablations.Row r : rows) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-40s %8d", r.condition(), r.weightsChanged()));
            r.metrics().forEach((k, v) -> {
                if (k.endsWith(".acc") || k.endsWith(".acc_norm") || k.endsWith("token_perplexity")
                        || k.endsWith(".perplexity")) {
                    b.append(String.format(Locale.ROOT, "  %s=%.4f", k, v));
                }
            });
            System.out.println(b);
        }
    }
}
