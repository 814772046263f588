package dev.sinter.cli;

import dev.sinter.eval.quant.QuantizationStudy;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.framework.config.UsageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sinter quantize --model PATH …}: super-outlier-aware round-to-nearest quantization (papers.md §1.7). With
 * {@code --save DIR} writes the fake-quantized model as a checkpoint directory (evaluate it like any other); with
 * {@code --tasks}/{@code --perplexity} prints and reports the table (naive vs clip + super-weight restore per block
 * size, INT8 activations naive vs super activation held out). {@link Sinter#quantize} does the work.
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
        List<Integer> sizes = blockSizes(blockSizes);
        Quantization.Result r = Sinter.quantize(new Quantization.Request(source.model, source.tokenizer,
                given.stream().map(SuperWeight::parse).toList(), new QuantizationStudy(bits, sizes, clipZ,
                activationBits), naive, save, scoring.given() ? scoring.scoring("quantization tables") : null,
                output));
        System.out.println("super weights: " + (r.superWeights().isEmpty() ? "none" : r.superWeights())
                + (r.detector().orElse(null) instanceof SuperWeightDetector.NotApplicable na
                ? " (detector " + na.verdict() + ")" : ""));
        r.saved().ifPresent(s -> System.out.printf("%s: %d weights in %d matrices, %d clipped; saved to %s%n",
                s.label(), s.elements(), s.matrices(), s.clipped(), s.dir()));
        AnalyzeCommand.print(r.table());
        r.report().ifPresent(p -> System.out.println("report: " + p));
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
}
