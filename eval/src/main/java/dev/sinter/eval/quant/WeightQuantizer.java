package dev.sinter.eval.quant;

import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.framework.config.UsageException;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Block-wise weight quantization (fake-quantized in place, undone by {@link Applied#close()}), as the paper's
 * {@code quantize_blockwise} (papers.md §1.7): every linear {@code .weight} except norms, embeddings and the LM head (in
 * MoE layers every expert, the residual MLP, the router and the mix coefficient too) is flattened (row-major) and cut
 * into contiguous blocks of {@code blockSize} elements (0 = the whole tensor), optionally z-clipped, round-tripped
 * through {@link Rtn}, and the super weights' original values are written back afterwards. A tensor whose size is not
 * a multiple of the block size is quantized as one block, as the official code's fallback does (its threshold,
 * minimum and maximum are then the whole tensor's).
 *
 * @param bits      4 or 8 (any 1..16)
 * @param blockSize elements per block, 0 for per-tensor
 * @param clipZ     z of the clipping threshold, NaN for none (naive RTN)
 * @param restore   super weights whose original values are restored after dequantization (empty: none)
 */
public record WeightQuantizer(int bits, int blockSize, double clipZ, List<SuperWeight> restore) {

    public WeightQuantizer {
        if (bits < 1 || bits > 16 || blockSize < 0) {
            throw new UsageException("quantization: bits must be in 1..16 and block size >= 0 (0 = per"
                    + " tensor), got " + bits + " and " + blockSize);
        }
        restore = List.copyOf(restore);
    }

    /** Naive RTN: no clipping, no restore. */
    public static WeightQuantizer naive(int bits, int blockSize) {
        return new WeightQuantizer(bits, blockSize, Double.NaN, List.of());
    }

    /** A short label, e.g. {@code W4 b1024 z9+SW} or {@code W8 tensor}. */
    public String label() {
        String b = blockSize == 0 ? "tensor" : "b" + blockSize;
        String z = Double.isNaN(clipZ) ? "" : String.format(Locale.ROOT, " z%g", clipZ).replaceAll("\\.?0+$", "");
        return "W" + bits + " " + b + z + (restore.isEmpty() ? "" : " +SW");
    }

    /** Whether a parameter is quantized: 2-D {@code .weight}s other than norms, embeddings and the LM head. */
    public static boolean quantizes(String name, INDArray a) {
        return a.rank() == 2 && name.endsWith(".weight") && !name.contains("norm") && !name.contains("embed")
                && !name.equals(ParameterNames.LM_HEAD);
    }

    /** What {@link #apply} did; closing it restores every quantized parameter exactly. */
    public static final class Applied implements AutoCloseable {
        private final Map<String, INDArray> originals;
        private final Map<String, INDArray> live;
        private final long clipped;
        private final long elements;

        Applied(Map<String, INDArray> originals, Map<String, INDArray> live, long clipped, long elements) {
            this.originals = originals;
            this.live = live;
            this.clipped = clipped;
            this.elements = elements;
        }

        /** Names of the quantized parameters. */
        public List<String> parameters() {
            return new ArrayList<>(originals.keySet());
        }

        public long clipped() {
            return clipped;
        }

        public long elements() {
            return elements;
        }

        @Override
        public void close() {
            originals.forEach((k, v) -> live.get(k).assign(v));
        }
    }

    /** Quantizes the model's weights in place. */
    public Applied apply(TransformerModel model) {
        restore.forEach(s -> s.check(model.config()));
        Map<String, INDArray> live = model.parameters();
        Map<String, INDArray> originals = new LinkedHashMap<>();
        long clipped = 0;
        long elements = 0;
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            INDArray a = e.getValue();
            if (!quantizes(e.getKey(), a)) {
                continue;
            }
            originals.put(e.getKey(), a.dup());
            double[] w = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            int bs = blockSize == 0 || w.length % blockSize != 0 ? w.length : blockSize;
            for (int from = 0; from < w.length; from += bs) {
                clipped += Rtn.roundTrip(w, from, Math.min(w.length, from + bs), bits, clipZ);
            }
            elements += w.length;
            a.assign(Nd4j.create(w, a.shape(), 'c').castTo(a.dataType()));
        }
        for (SuperWeight sw : restore) {
            INDArray orig = originals.get(sw.parameter());
            live.get(sw.parameter()).putScalar(new long[]{sw.row(), sw.col()}, orig.getDouble(sw.row(), sw.col()));
        }
        return new Applied(originals, live, clipped, elements);
    }
}
