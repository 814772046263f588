package dev.sinter.models.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.models.transformer.TransformerModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where DeepSpeed's {@code sharded_moe.py} / {@code layer.py} decide: top-2 gating has no random token selection
 * ({@code use_rts} reaches {@code top1gating} only), and the residual MoE's {@code coefficient} is a
 * {@code Linear(D, 2)} with a bias (here {@code moe.coefficient_bias}, off by default so older checkpoints load).
 */
class MoeDeepSpeedFidelityTest {
    static final ModelConfig TINY = ModelPreset.registry().get("tiny").config();
    static final int LAYER = 1;

    @Test
    void randomTokenSelectionAppliesToTop1OnlyAsInDeepSpeed() {
        ModelConfig top1 = TINY.withMoe(MoeConfig.builder(List.of(4)).moeEvery(2).build());
        ModelConfig top2 = TINY.withMoe(MoeConfig.builder(List.of(4)).moeEvery(2).topK(2).build());
        assertTrue(top1.moe().useRts() && top2.moe().useRts(), "use_rts defaults to true (DeepSpeed)");
        assertTrue(top1.moe().randomTokenSelection());
        assertFalse(top2.moe().randomTokenSelection());
        // top-2 queues tokens in row order: no priority placeholder in the graph, none fed in training
        assertTrue(TransformerModel.create(top1, DataType.FLOAT, 1).graph().hasVariable(MoeNames.tokenOrder(LAYER)));
        assertFalse(TransformerModel.create(top2, DataType.FLOAT, 1).graph().hasVariable(MoeNames.tokenOrder(LAYER)));
        Map<String, INDArray> ph1 = new HashMap<>();
        Map<String, INDArray> ph2 = new HashMap<>();
        MoeInputs.add(ph1, top1, DataType.FLOAT, 12, true, 5);
        MoeInputs.add(ph2, top2, DataType.FLOAT, 12, true, 5);
        assertTrue(ph1.containsKey(MoeNames.tokenOrder(LAYER)));
        assertFalse(ph2.containsKey(MoeNames.tokenOrder(LAYER)));
    }

    @Test
    void theCoefficientBiasShiftsTheLearnedMixAsSoftmaxOfHWPlusB() {
        ModelConfig cfg = TINY.withMoe(MoeConfig.builder(List.of(4)).moeEvery(2).residual(true).coefficientBias(true)
                .build());
        TransformerModel m = TransformerModel.create(cfg, DataType.DOUBLE, 4);
        assertEquals(List.of(2L), List.of(m.parameters().get(MoeNames.coefficientBias(LAYER)).length()));
        assertTrue(m.parameters().get(MoeNames.coefficientBias(LAYER)).sumNumber().doubleValue() == 0, "starts at 0");
        m.parameters().get(MoeNames.coefficient(LAYER)).assign(0); // c = softmax(b) for every token
        int[][] ids = {{256, 72, 101, 108, 108, 111}};
        String out = MoeNames.output(LAYER);
        String dense = MoeNames.sharedDownOutput(LAYER);
        m.parameters().get(MoeNames.coefficientBias(LAYER)).assign(Nd4j.createFromArray(-40.0, 40.0));
        Map<String, INDArray> r = m.forward(ids, out, dense);
        assertTrue(r.get(out).equalsWithEps(r.get(dense), 1e-12), "c = (0, 1): only the residual MLP");
        double a = 0.3;
        m.parameters().get(MoeNames.coefficientBias(LAYER)).assign(Nd4j.createFromArray(Math.log(a), Math.log(1 - a)));
        Map<String, INDArray> mixed = m.forward(ids, out, dense);
        m.parameters().get(MoeNames.coefficientBias(LAYER)).assign(Nd4j.createFromArray(40.0, -40.0));
        INDArray experts = m.forward(ids, out).get(out); // c = (1, 0): only the experts
        INDArray expect = experts.mul(a).add(mixed.get(dense).mul(1 - a));
        assertTrue(mixed.get(out).equalsWithEps(expect, 1e-12), "c = (0.3, 0.7)");
    }

    @Test
    void withoutTheOptionTheGraphAndItsCheckpointsAreAsBefore() {
        ModelConfig prmoe = ModelPreset.registry().get("tiny-prmoe").config();
        assertFalse(prmoe.moe().coefficientBias());
        TransformerModel m = TransformerModel.create(prmoe, DataType.FLOAT, 1);
        assertTrue(m.parameterNames().stream().noneMatch(n -> n.endsWith("coefficient.bias")));
        ModelConfig biased = prmoe.withMoe(prmoe.moe().toBuilder().coefficientBias(true).build());
        TransformerModel b = TransformerModel.create(biased, DataType.FLOAT, 1);
        String msg = assertThrows(IllegalArgumentException.class, () -> b.loadParameters(m.parameters(), "old.ckpt"))
                .getMessage();
        assertTrue(msg.contains("missing tensor 'model.layers.0.mlp.coefficient.bias' [2]"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> MoeConfig.builder(List.of(4)).moeEvery(2)
                .coefficientBias(true).build()).getMessage();
        assertEquals("moe.coefficient_bias is the bias of the residual MoE's learned mix; set residual: true and"
                + " residual_mix: learned, or drop coefficient_bias", msg);
        MoeConfig fromYaml = new MoeConfig.Section(null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, true).over(prmoe.moe());
        assertTrue(fromYaml.coefficientBias());
    }
}
