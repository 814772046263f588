package dev.sinter.models.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Forward-pass contracts of the transformer: names, intermediates, causality, limits. */
class TransformerModelTest {
    final ModelConfig tiny = ModelPreset.registry().get("tiny").config();

    @Test
    void parametersCarryHfLlamaNamesAndOutInShapes() {
        TransformerModel m = TransformerModel.create(tiny, DataType.FLOAT, 1);
        Map<String, INDArray> p = m.parameters();
        assertArrayEquals(new long[]{tiny.vocabSize(), tiny.dim()}, p.get("model.embed_tokens.weight").shape());
        assertArrayEquals(new long[]{tiny.kvDim(), tiny.dim()}, p.get("model.layers.0.self_attn.k_proj.weight").shape());
        assertArrayEquals(new long[]{tiny.dim(), tiny.hiddenDim()}, p.get("model.layers.1.mlp.down_proj.weight").shape());
        assertArrayEquals(new long[]{tiny.hiddenDim(), tiny.dim()}, p.get("model.layers.1.mlp.gate_proj.weight").shape());
        assertTrue(p.containsKey("model.layers.0.input_layernorm.weight"));
        assertTrue(p.containsKey("model.layers.0.post_attention_layernorm.weight"));
        assertTrue(p.containsKey("model.norm.weight"));
        assertTrue(!p.containsKey("lm_head.weight"), "tied head has no separate lm_head");
    }

    @Test
    void namedIntermediatesComeFromOneForwardPass() {
        TransformerModel m = TransformerModel.create(tiny, DataType.DOUBLE, 1);
        int[][] ids = {{3, 1, 4, 1, 5}, {9, 2, 6, 5, 3}};
        Map<String, INDArray> out = m.forward(ids, ParameterNames.downProjInput(1), ParameterNames.downProjOutput(1),
                ParameterNames.layerOutput(1), TransformerModel.LOGITS);
        INDArray in = out.get(ParameterNames.downProjInput(1)); // [N, hidden]
        INDArray y = out.get(ParameterNames.downProjOutput(1)); // [N, D]
        assertArrayEquals(new long[]{10, tiny.hiddenDim()}, in.shape());
        INDArray w = m.parameters().get(ParameterNames.mlp(1, "down"));
        assertEquals(0, in.mmul(w.transpose()).sub(y).amaxNumber().doubleValue(), 1e-12,
                "down_proj.output = down_proj.input · Wᵀ");
        assertArrayEquals(new long[]{10, tiny.dim()}, out.get(ParameterNames.layerOutput(1)).shape());
        assertArrayEquals(new long[]{2, 5, tiny.vocabSize()}, out.get(TransformerModel.LOGITS).shape());
    }

    @Test
    void attentionIsCausal() {
        TransformerModel m = TransformerModel.create(tiny, DataType.DOUBLE, 2);
        INDArray a = m.logits(new int[][]{{5, 6, 7, 8, 9}});
        INDArray b = m.logits(new int[][]{{5, 6, 7, 100, 101}});
        INDArray prefixA = a.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 3), NDArrayIndex.all());
        INDArray prefixB = b.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 3), NDArrayIndex.all());
        assertEquals(0, prefixA.sub(prefixB).amaxNumber().doubleValue(), 1e-12, "future tokens must not leak");
        assertTrue(a.sub(b).amaxNumber().doubleValue() > 1e-6, "later positions do see the changed tokens");
    }

    @Test
    void sequencesLongerThanTheContextAreRejected() {
        TransformerModel m = TransformerModel.create(tiny, DataType.FLOAT, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.logits(new int[][]{new int[tiny.maxSeqLen() + 1]}));
        assertTrue(e.getMessage().contains("max_seq_len"), e.getMessage());
    }
}
