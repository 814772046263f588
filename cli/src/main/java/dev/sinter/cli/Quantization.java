package dev.sinter.cli;

import dev.sinter.eval.quant.QuantizationStudy;
import dev.sinter.eval.quant.WeightQuantizer;
import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.superweights.SuperWeightReport;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.ModelIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Super-outlier-aware round-to-nearest quantization (papers.md §1.7), what {@code sinter quantize} runs: writes one
 * fake-quantized model and/or scores the table (naive vs clip + super-weight restore per block size, INT8 activations
 * naive vs super activation held out). Called through {@link Sinter#quantize(Request)}.
 */
public final class Quantization {
    private Quantization() {
    }

    /**
     * What to quantize and how.
     *
     * @param model        run directory, checkpoint directory or llama2.c {@code .bin}
     * @param tokenizer    tokenizer path or {@code byte}; null = the model's own
     * @param superWeights super weights to restore / hold out; empty = the detected ones
     * @param study        bits, block sizes (0 = the whole tensor; {@code save} uses the first), clipping z,
     *                     activation bits of the table
     * @param naive        {@code save}: plain round-to-nearest (no clipping, no restore)
     * @param save         folder for the quantized model; null = none
     * @param scoring      tasks scoring the table; null = no table
     * @param output       table report folder; null = {@code runs/quantize/<model>}
     */
    public record Request(Path model, String tokenizer, List<SuperWeight> superWeights, QuantizationStudy study,
                          boolean naive, Path save, SuperWeightAnalysis.Scoring scoring, Path output) {
        public Request {
            superWeights = List.copyOf(superWeights);
            if (save == null && (scoring == null || scoring.tasks().isEmpty())) {
                throw new UsageException("nothing to do: pass --save DIR and/or --tasks/--perplexity");
            }
        }
    }

    /**
     * The saved quantized model.
     *
     * @param label    the quantizer (bits, block size, clipping)
     * @param elements weights quantized
     * @param matrices matrices quantized
     * @param clipped  weights clipped
     * @param dir      the checkpoint directory
     */
    public record Saved(String label, long elements, int matrices, long clipped, Path dir) {
    }

    /**
     * The quantization.
     *
     * @param superWeights the super weights restored / held out
     * @param detector     the detector's outcome when none were given
     * @param saved        the saved model, when asked for
     * @param table        the table's rows (empty without scoring)
     * @param report       the table's report, with scoring
     */
    public record Result(List<SuperWeight> superWeights, Optional<SuperWeightDetector.Outcome> detector,
                         Optional<Saved> saved, List<Ablations.Row> table, Optional<Path> report) {
    }

    static Result run(Request q) throws IOException {
        SameDiffRuntime.init();
        ModelAndTokenizer mt = ModelAndTokenizer.load(q.model(), q.tokenizer());
        SuperWeightDetector.Outcome detected = q.superWeights().isEmpty()
                ? new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT).analyse(mt.model(), mt.tokenizer(),
                SuperWeightDetector.DEFAULT_PROMPTS) : null;
        List<SuperWeight> sws = detected != null ? detected.superWeights() : q.superWeights();
        sws.forEach(s -> s.check(mt.model().config()));
        QuantizationStudy study = q.study();
        Saved saved = null;
        if (q.save() != null) {
            int block = study.blockSizes().get(0);
            WeightQuantizer wq = q.naive() ? WeightQuantizer.naive(study.bits(), block)
                    : new WeightQuantizer(study.bits(), block, study.clipZ(), sws);
            try (WeightQuantizer.Applied a = wq.apply(mt.model())) {
                Files.createDirectories(q.save());
                CheckpointManager.writeModel(q.save(), mt.model().parameters(), ModelIO.metadata(mt.model().config()));
                copyTokenizer(mt.path(), q.tokenizer(), q.save());
                saved = new Saved(wq.label(), a.elements(), a.parameters().size(), a.clipped(), q.save());
            }
        }
        List<Ablations.Row> rows = List.of();
        Path report = null;
        if (q.scoring() != null) {
            Ablations scorer = new Ablations(mt.model(), mt.tokenizer(), q.scoring().tasks(), q.scoring().limit(),
                    q.scoring().batchSize());
            rows = study.run(mt.model(), scorer, sws);
            String name = SuperWeightAnalysis.modelName(mt.path());
            Path out = q.output() != null ? q.output() : Path.of("runs", "quantize", name);
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("bits", study.bits());
            settings.put("block_sizes", study.blockSizes().stream().map(b -> b == 0 ? "tensor" : b.toString()).toList());
            settings.put("clip_z", study.clipZ());
            settings.put("super_weights", sws.stream().map(SuperWeight::coordinate).toList());
            report = new SuperWeightReport(out, "Quantization: " + name, Map.of("model", mt.path().toString()))
                    .quantization(rows, settings).write();
        }
        return new Result(sws, Optional.ofNullable(detected), Optional.ofNullable(saved), rows,
                Optional.ofNullable(report));
    }

    /** The model's tokenizer files, so the saved model loads with its tokenizer. */
    private static void copyTokenizer(Path resolvedModel, String tokenizer, Path dir) throws IOException {
        Map<String, byte[]> files;
        if (tokenizer != null) {
            files = tokenizer.equals("byte") ? ModelIO.tokenizerFiles("byte", null)
                    : ModelIO.tokenizerFiles(TokenizerType.forFile(Path.of(tokenizer)).name(), Path.of(tokenizer));
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
