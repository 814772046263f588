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
    void roleMapMatchesTheLlama2cImportAndNamesEveryExpertAndTheSharedMlp() throws Exception {
        TransformerModel stories = ModelIO.load(TestData.fixture("models/stories260K/stories260K.bin"));
        Map<String, INDArray> params = stories.parameters();
        for (Projection p : stories.projections()) {
            assertArrayEquals(new long[]{p.out(), p.in()}, params.get(p.weight()).shape(), p.toString());
        }
        // tiny-prmoe: every expert's gate/up/down (site expert, its index) and the residual MLP's (site shared)
        TransformerModel prmoe = TransformerModel.create(ModelPreset.registry().get("tiny-prmoe").config(),
                DataType.FLOAT, 1);
        List<Projection> moe = prmoe.projections();
        Map<String, INDArray> moeParams = prmoe.parameters();
        for (Projection p : moe) {
            assertArrayEquals(new long[]{p.out(), p.in()}, moeParams.get(p.weight()).shape(), p.toString());
        }
        List<Projection> layer1 = moe.stream().filter(p -> p.layer() == 1).toList();
        assertEquals(4 + 3 * (8 + 1), layer1.size(), "q, k, v, o; gate, up, down of 8 experts and the shared MLP");
        assertEquals(new Projection("up", 1, "model.layers.1.mlp.experts.7.up_proj.weight", 64, 32, Projection.EXPERT,
                7), layer1.get(4 + 3 * 7 + 1));
        assertEquals("expert 7", layer1.get(4 + 3 * 7 + 1).location());
        assertEquals(new Projection("down", 1, "model.layers.1.mlp.shared.down_proj.weight", 32, 64,
                Projection.SHARED, -1), layer1.get(layer1.size() - 1));
        assertThrows(IllegalArgumentException.class, () -> new Projection("up", 0, "w.weight", 2, 2, Projection.MLP, 3));
        // a GELU MLP has no gate
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
