package dev.sinter.models.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** How models are built: the initial weights, models made for loading, and one copy of each parameter. */
class ModelConstructionTest {
    static final ModelConfig TINY = ModelPreset.registry().get("tiny").config();

    /** The embedding is drawn first: its values are the seed's SplittableRandom Gaussians times init_std, as floats. */
    @Test
    void initialWeightsAreTheSeedsGaussiansInOrder() {
        TransformerModel m = TransformerModel.create(TINY, DataType.FLOAT, 42);
        INDArray embed = m.parameters().get(ParameterNames.EMBED); // [V, D]
        SplittableRandom rng = new SplittableRandom(42);
        float[] expected = new float[TINY.vocabSize() * TINY.dim()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (float) (rng.nextGaussian() * TINY.initStd());
        }
        assertArrayEquals(expected, embed.dup('c').data().asFloat(), 0f);
    }

    /**
     * A model made for loading has the same parameters (names, shapes, types) as a fresh one; its weight matrices are
     * zeros instead of random draws, the rest (norm gains, biases) is as initialised.
     */
    @Test
    void modelForLoadingHasTheSameParametersAsZeros() {
        Map<String, INDArray> fresh = TransformerModel.create(TINY, DataType.DOUBLE, 1).parameters();
        Map<String, INDArray> empty = TransformerModel.createForLoading(TINY, DataType.DOUBLE).parameters();
        assertEquals(fresh.keySet(), empty.keySet());
        for (Map.Entry<String, INDArray> e : empty.entrySet()) {
            assertArrayEquals(fresh.get(e.getKey()).shape(), e.getValue().shape(), e.getKey());
            assertEquals(DataType.DOUBLE, e.getValue().dataType(), e.getKey());
            INDArray expected = e.getValue().rank() == 2 ? e.getValue().like() : fresh.get(e.getKey());
            assertEquals(expected, e.getValue(), e.getKey());
        }
    }

    /**
     * Building a model allocates its parameters once off-heap: SameDiff's default ThreadSafeArrayHolder kept a second
     * copy of every variable (2.0× the parameters' bytes here; 440 MB more at 110M parameters).
     */
    @Test
    void parametersAreAllocatedOnce() throws IOException {
        // 16.7M parameters (67 MB): far above the resident-set noise of building a graph
        ModelConfig wide = ModelConfig.builder().dim(512).nLayers(4).nHeads(8).nKvHeads(8).hiddenDim(1376)
                .vocabSize(8000).maxSeqLen(128).build();
        TransformerModel.create(TINY, DataType.FLOAT, 1); // native libraries and op registry loaded
        long before = residentBytes();
        TransformerModel m = TransformerModel.create(wide, DataType.FLOAT, 1);
        long grown = residentBytes() - before;
        long parameterBytes = m.parameterCount() * Float.BYTES;
        assertTrue(grown < 1.5 * parameterBytes, "building grew the resident set by " + grown + " bytes for "
                + parameterBytes + " bytes of parameters");
    }

    static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
