package dev.sinter.cli;

import dev.sinter.eval.quant.QuantizationStudy;
import dev.sinter.eval.quant.WeightQuantizer;
import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.superweights.SuperWeightReport;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.Tokenizers;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.ModelIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sinter quantize --model PATH …}: super-outlier-aware round-to-nearest quantization (papers.md §1.7). With
 * {@code --save DIR} writes the fake-quantized model as a checkpoint directory (evaluate it like any other); with
 * {@code --tasks}/{@code --perplexity} prints and reports the table (naive vs clip + super-weight restore per block
 * size, INT8 activations naive vs super activation held out).
 */
@Command(name = "quantize", description = {"Round-to-nearest weight quantization over flattened blocks (naive, or"
        + " z-clipping + super-weight restore) and INT8 activation quantization with the super activation held out.",
        "--save DIR writes one quantized model; --tasks/--perplexity scores the whole table."})
final class QuantizeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions source;

    @Option(names = "--bits", defaultValue = "4", description = "weight bits (4 or 8)")
    int bits;

    @Option(names = "--block-sizes", defaultValue = "1024,4096,16384,tensor", split = ",",
            description = "elements per block, or 'tensor'; --save uses the first")
    List<String> blockSizes;

    @Option(names = "--clip-z", defaultValue = "9", description = "z of the clipping threshold (paper: 9)")
    double clipZ;

    @Option(names = "--naive", description = "--save: plain RTN (no clipping, no restore)")
    boolean naive;

    @Option(names = "--super-weight", paramLabel = "L,ROW,COL",
            description = "super weights to restore / hold out (default: detected)")
    List<String> given = new ArrayList<>();

    @Option(names = "--activation-bits", defaultValue = "8", description = "activation rows of the table (0 = none)")
    int activationBits;

    @Mixin
    ScoringOptions scoring;

    @Option(names = "--save", paramLabel = "DIR", description = "write the quantized model here")
    Path save;

    @Option(names = "--output", paramLabel = "DIR", description = "table report folder (default: runs/quantize/<model>)")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (save == null && !scoring.given()) {
            throw new UsageException("nothing to do: pass --save DIR and/or --tasks/--perplexity");
        }
        SameDiffRuntime.init();
        ModelAndTokenizer mt = source.load();
        SuperWeightDetector.Outcome detected = given.isEmpty()
                ? new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT).analyse(mt.model(), mt.tokenizer(),
                SuperWeightDetector.DEFAULT_PROMPTS) : null;
        List<SuperWeight> sws = detected != null ? detected.superWeights()
                : given.stream().map(SuperWeight::parse).toList();
        sws.forEach(s -> s.check(mt.model().config()));
        System.out.println("super weights: " + (sws.isEmpty() ? "none" : sws)
                + (detected instanceof SuperWeightDetector.NotApplicable na ? " (detector " + na.verdict() + ")" : ""));
        List<Integer> sizes = blockSizes(blockSizes);
        if (save != null) {
            WeightQuantizer q = naive ? WeightQuantizer.naive(bits, sizes.get(0))
                    : new WeightQuantizer(bits, sizes.get(0), clipZ, sws);
            try (WeightQuantizer.Applied a = q.apply(mt.model())) {
                Files.createDirectories(save);
                CheckpointManager.writeModel(save, mt.model().parameters(), ModelIO.metadata(mt.model().config()));
                copyTokenizer(mt.path(), save);
                System.out.printf("%s: %d weights in %d matrices, %d clipped; saved to %s%n", q.label(), a.elements(),
                        a.parameters().size(), a.clipped(), save);
            }
        }
        if (scoring.given()) {
            Ablations scorer = scoring.scorer(mt, "quantization tables");
            List<Ablations.Row> rows = new QuantizationStudy(bits, sizes, clipZ, activationBits).run(mt.model(), scorer, sws);
            AnalyzeCommand.print(rows);
            Path out = output != null ? output : Path.of("runs", "quantize", SuperWeightAnalysis.modelName(mt.path()));
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("bits", bits);
            settings.put("block_sizes", blockSizes);
            settings.put("clip_z", clipZ);
            settings.put("super_weights", sws.stream().map(SuperWeight::coordinate).toList());
            System.out.println("report: " + new SuperWeightReport(out, "Quantization: " + SuperWeightAnalysis.modelName(mt.path()),
                    Map.of("model", mt.path().toString())).quantization(rows, settings).write());
        }
        return 0;
    }

    /** Block sizes from the command line: positive integers, or {@code tensor} (0). */
    static List<Integer> blockSizes(List<String> raw) {
        List<Integer> out = new ArrayList<>();
        for (String s : raw) {
            String t = s.strip();
            if (t.equals("tensor")) {
                out.add(0);
            } else {
                try {
                    int v = Integer.parseInt(t);
                    if (v < 1) {
                        throw new NumberFormatException();
                    }
                    out.add(v);
                } catch (NumberFormatException e) {
                    throw new UsageException("--block-sizes: '" + s + "' is neither a positive integer nor"
                            + " 'tensor'");
                }
            }
        }
        return out;
    }

    /** The model's tokenizer files, so the saved model loads with its tokenizer. */
    private void copyTokenizer(Path resolvedModel, Path dir) throws java.io.IOException {
        Map<String, byte[]> files;
        if (source.tokenizer != null) {
            files = source.tokenizer.equals("byte") ? ModelIO.tokenizerFiles("byte", null)
                    : ModelIO.tokenizerFiles(Tokenizers.typeOf(Path.of(source.tokenizer)), Path.of(source.tokenizer));
        } else if (Files.isDirectory(resolvedModel)) {
            files = new LinkedHashMap<>();
            for (Map.Entry<String, Path> f : ModelIO.tokenizerFilesOf(resolvedModel).entrySet()) {
                files.put(f.getKey(), Files.readAllBytes(f.getValue()));
            }
        } else {
            Path tok = ModelIO.llama2cTokenizerBeside(resolvedModel).orElse(null);
            files = tok == null ? Map.of() : ModelIO.tokenizerFiles("llama2c", tok);
        }
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }
}
