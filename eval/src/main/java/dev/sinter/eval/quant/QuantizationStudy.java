package dev.sinter.eval.quant;

import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.superweights.Ablations.Row;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The quantization table (papers.md §1.7): FP32; per block size, naive RTN vs z-clipping + super-weight restore; and
 * per-tensor INT8 activations of the dense layers' down projections, naive vs super activation held out (super
 * weights inside MoE layers are restored in the weight rows; their activations are not quantized). Scored by the eval harness through
 * {@link Ablations#score}; the model is restored exactly after every weight setting.
 *
 * @param bits       weight bits (4 or 8)
 * @param blockSizes elements per block, 0 = per tensor
 * @param clipZ      z of the clipping threshold for the outlier-aware rows
 * @param activationBits bits of the activation rows (0 = no activation rows)
 */
public record QuantizationStudy(int bits, List<Integer> blockSizes, double clipZ, int activationBits) {

    public QuantizationStudy {
        blockSizes = List.copyOf(blockSizes);
    }

    /** Runs the table; {@code sws} are restored/held out (empty: the outlier-aware rows only clip). */
    public List<Row> run(TransformerModel model, Ablations scorer, List<SuperWeight> sws) throws IOException {
        List<Row> rows = new ArrayList<>();
        rows.add(scorer.score("fp32", 0));
        for (int bs : blockSizes) {
            for (WeightQuantizer q : List.of(WeightQuantizer.naive(bits, bs), new WeightQuantizer(bits, bs, clipZ, sws))) {
                try (WeightQuantizer.Applied a = q.apply(model)) {
                    rows.add(scorer.score(q.label(), a.clipped()));
                }
            }
        }
        if (activationBits > 0) {
            rows.add(scorer.score(ActivationQuantization.build(model, activationBits, List.of()),
                    "A" + activationBits + " per-tensor naive", 0));
            List<SuperWeight> dense = sws.stream().filter(s -> s.site() == SuperWeight.Site.DENSE).toList();
            if (!dense.isEmpty()) {
                rows.add(scorer.score(ActivationQuantization.build(model, activationBits, dense),
                        "A" + activationBits + " per-tensor, SA held out"
                                + (dense.size() < sws.size() ? " (dense layers)" : ""), dense.size()));
            }
        }
        SameDiffRuntime.releaseMemory();
        return rows;
    }
}
