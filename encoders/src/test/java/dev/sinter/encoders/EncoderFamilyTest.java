package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.family.ModelFamily;
import dev.sinter.models.family.Projection;
import dev.sinter.models.transformer.LinearLayer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The encoder family's role map against the ONNX import of all-MiniLM-L6-v2 (HF BERT names), and strict loading. */
class EncoderFamilyTest {
    @Test
    void roleMapNamesTheImportedBertWeightsWithTheirShapes() throws Exception {
        ImportedEncoder minilm = PretrainedEncoder.ALL_MINILM_L6_V2.load();
        List<Projection> roles = EncoderFamily.projections(minilm.config());
        assertEquals(6 * 6, roles.size(), "q, k, v, o, up, down in each of 6 layers");
        for (Projection p : roles) {
            assertArrayEquals(new long[]{p.out(), p.in()}, minilm.weights().get(p.weight()).shape(), p.toString());
        }
        assertEquals(new Projection("q", 2, "encoder.layer.2.attention.self.query.weight", 384, 384), roles.get(12));
        assertEquals(new Projection("down", 5, "encoder.layer.5.output.dense.weight", 384, 1536), roles.get(35));
        assertSame(EncoderFamily.INSTANCE, ModelFamily.registry().get("encoder"));
        assertEquals(List.of("q", "k", "v", "o", "up", "down"), EncoderFamily.INSTANCE.roles());
    }

    @Test
    void loadingIsStrictExceptForTheHead() {
        BertEncoder a = BertEncoder.create(EncoderConfig.tiny(Pooling.CLS), 3, DataType.FLOAT, 1, LinearLayer.DENSE);
        BertEncoder b = a.rebuild(LinearLayer.DENSE);
        Map<String, INDArray> base = new HashMap<>(a.parameters());
        base.keySet().removeAll(a.headParameters());
        INDArray headBefore = b.graph().getVariable("classifier.weight").getArr().dup();
        b.loadParameters(base, "base"); // no head: it keeps its initialisation
        assertEquals(headBefore, b.graph().getVariable("classifier.weight").getArr());
        base.remove("encoder.layer.1.output.dense.weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadParameters(base, "x"));
        assertTrue(e.getMessage().startsWith("x: missing tensor 'encoder.layer.1.output.dense.weight' [32, 64]"),
                e.getMessage());
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
                () -> b.loadParameters(Map.of("pooler.dense.weight", a.parameters().get("classifier.weight")), "y"));
        assertTrue(extra.getMessage().contains("unexpected tensor 'pooler.dense.weight'"), extra.getMessage());
    }
}
