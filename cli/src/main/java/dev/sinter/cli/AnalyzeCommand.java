package dev.sinter.cli;

import dev.sinter.eval.quant.QuantizationStudy;
import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.superweights.SuperWeightDetector.Detection;
import dev.sinter.encoders.EncoderActivationScan;
import dev.sinter.encoders.PretrainedEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sinter analyze super-weights …}: model analyses ({@link Sinter#analyzeSuperWeights}, {@link Sinter#scanEncoder}). */
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
        static final String ENCODER_PREFIX = SuperWeightAnalysis.ENCODER_PREFIX;

        @Mixin
        ModelOptions source;

        @Option(names = "--prompt", paramLabel = "TEXT", description = "prompt(s); default: the paper's and two more")
        List<String> prompts = new ArrayList<>();

        @Option(names = "--threshold-abs", defaultValue = "50", description = "spike: |max| above this (paper: 50)")
        double thresholdAbs;

        @Option(names = "--threshold-rel", defaultValue = "100", description = "spike: |max| above this × the median")
        double thresholdRel;

        @Option(names = "--min-share", defaultValue = "0.5",
                description = "share of the output spike its weights (at most 3) must explain together")
        double minShare;

        @Option(names = "--super-weight", paramLabel = "L,ROW,COL",
                description = "use these coordinates for the ablations instead of the detected ones")
        List<String> given = new ArrayList<>();

        @Mixin
        ScoringOptions scoring;

        @Option(names = "--ablate", description = "run the ablation table and the scaling sweep")
        boolean ablate;

        @Option(names = "--prune-fraction", defaultValue = "1e-6",
                description = "p of 'prune non-SW': every |w| >= the ⌊p·numel⌋-th largest, per matrix (the paper's"
                        + " 1e-6; matrices with ⌊p·numel⌋ < 1 are left alone, so small models need a larger p)")
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

        @Override
        public Integer call() throws Exception {
            if (source.model.toString().startsWith(ENCODER_PREFIX)) {
                PretrainedEncoder id = PretrainedEncoder.named(source.model.toString().substring(ENCODER_PREFIX.length()));
                printScan(Sinter.scanEncoder(id, prompts, thresholdAbs, thresholdRel, output));
                return 0;
            }
            boolean scored = ablate || quantize;
            SuperWeightAnalysis.Result r = Sinter.analyzeSuperWeights(new SuperWeightAnalysis.Request(source.model,
                    source.tokenizer, prompts, new SuperWeightDetector.Options(thresholdAbs, thresholdRel, minShare,
                    SuperWeightDetector.Options.DEFAULT.maxIterations()),
                    given.stream().map(SuperWeight::parse).toList(),
                    scored ? scoring.scoring("--ablate and --quantize") : null, ablate, pruneFraction,
                    Ablations.SCALES, OptionalLong.empty(), false,
                    quantize ? new QuantizationStudy(bits, QuantizeCommand.blockSizes(blockSizes), clipZ, 8) : null,
                    stopwords ? scoring.data.dir().resolve("eval/lambada_openai.jsonl") : null, lambadaLimit, output));
            System.out.println(r.outcome().verdict());
            if (r.outcome() instanceof Detection detection) {
                System.out.printf(Locale.ROOT, "detector: %d prompt(s), %.3f s per forward pass, %.2f s in all%n",
                        prompts.isEmpty() ? SuperWeightDetector.DEFAULT_PROMPTS.size() : prompts.size(),
                        detection.secondsPerPass(), r.detectSeconds());
            }
            r.ablations().ifPresent(t -> {
                System.out.printf(Locale.ROOT, "ablation table + scaling sweep: %.1f s%n", r.ablationSeconds());
                print(t.conditions());
                print(t.scaling());
            });
            print(r.quantization());
            r.skipped().forEach(System.out::println);
            System.out.println("report: " + r.report());
            return 0;
        }

        /** The encoder scan's table, verdict and report path. */
        private static void printScan(SuperWeightAnalysis.EncoderScan scan) {
            System.out.println("layer | max |FFN in| (token, ch, ×median) | max |FFN out| | max |hidden|");
            for (EncoderActivationScan.Layer l : scan.layers()) {
                System.out.printf(Locale.ROOT, "%5d | %s | %s | %s%n", l.index(), cell(l.ffnInput()),
                        cell(l.ffnOutput()), cell(l.hidden()));
            }
            System.out.println(scan.verdict());
            System.out.println("report: " + scan.report());
        }

        private static String cell(EncoderActivationScan.Extreme e) {
            return String.format(Locale.ROOT, "%.2f (t%d, ch%d, %.1f×)", e.value(), e.token(), e.channel(),
                    e.ratioToMedian());
        }
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
