package dev.sinter.models.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.ModelIO;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.family.Projection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The decoder family's role map against real checkpoints, its registration, and strict loading. */
class DecoderFamilyTest {
    @Test
    void roleMapNamesTheWeightsOfAnHfCheckpointWithTheirShapes() throws Exception {
        Path dir = TestData.fixture("models/hf/tiny-qwen2/config.json").getParent();
        Map<String, long[]> hf = new HashMap<>(); // HF tensor name → shape, over both shards
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                SafetensorsIO.describe(f).forEach(t -> hf.put(t.name(), t.shape()));
            }
        }
        TransformerModel m = ModelIO.load(dir);
        List<Projection> roles = m.projections();
        assertEquals(7 * m.config().nLayers(), roles.size(), "q, k, v, o, gate, up, down per layer");
        for (Projection p : roles) {
            assertArrayEquals(new long[]{p.out(), p.in()}, hf.get(p.weight()), p.toString());
        }
        assertEquals(new Projection("k", 1, "model.layers.1.self_attn.k_proj.weight", m.config().kvDim(),
                m.config().dim()), roles.get(8));
        assertEquals(m.config().kvDim(), roles.get(1).out(), "k is [kv_dim, dim] under grouped-query attention");
    }

    @Test
    void roleMapMatchesTheLlama2cImportAndSkipsMoeExperts() throws Exception {
        TransformerModel stories = ModelIO.load(TestData.fixture("models/stories260K/stories260K.bin"));
        Map<String, INDArray> params = stories.parameters();
        for (Projection p : stories.projections()) {
            assertArrayEquals(new long[]{p.out(), p.in()}, params.get(p.weight()).shape(), p.toString());
        }
        // tiny-moe: layer 1 is MoE, whose experts are not targetable; a GELU MLP has no gate
        List<Projection> moe = DecoderFamily.projections(ModelPreset.registry().get("tiny-moe").config());
        assertEquals(List.of("q", "k", "v", "o"), moe.stream().filter(p -> p.layer() == 1).map(Projection::role).toList());
        var gelu = ModelPreset.registry().get("tiny").config();
        gelu = gelu.toBuilder().mlp("gelu").build();
        assertTrue(DecoderFamily.projections(gelu).stream().noneMatch(p -> p.role().equals("gate")));
    }

    @Test
    void registeredAndRebuildsTheSameArchitecture() {
        assertSame(DecoderFamily.INSTANCE, ModelFamily.registry().get("decoder"));
        TransformerModel a = TransformerModel.create(ModelPreset.registry().get("tiny").config(), DataType.FLOAT, 3);
        TransformerModel b = a.rebuild(LinearLayer.DENSE);
        b.loadParameters(a.parameters(), "a");
        int[][] ids = {{1, 2, 3, 4}};
        assertEquals(a.logits(ids), b.logits(ids));
        Map<String, INDArray> missing = new HashMap<>(a.parameters());
        missing.remove(ParameterNames.attn(0, "q"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadParameters(missing, "x"));
        assertTrue(e.getMessage().startsWith("x: missing tensor 'model.layers.0.self_attn.q_proj.weight'"),
                e.getMessage());
    }
}
