package dev.sinter.eval.superweights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.quant.WeightQuantizer;
import dev.sinter.eval.superweights.ActivationScan.DownProj;
import dev.sinter.eval.superweights.SuperWeight.Site;
import dev.sinter.eval.superweights.SuperWeightDetector.Detection;
import dev.sinter.eval.tasks.PerplexityTask;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.moe.MoeNames;
import dev.sinter.models.transformer.TransformerModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Super weights inside Mixture-of-Experts layers: each expert's down projection is read over the tokens routed to it,
 * the residual MLP over every token; the finding names its expert; the ablations and weight quantization act on it.
 */
class MoeSuperWeightTest {
    static final ModelConfig PRMOE = ModelPreset.registry().get("tiny-prmoe").config(); // MoE-4 then MoE-8, residual
    static final int EXPERT = 2;

    /** tiny-prmoe with BOS routed to expert 2 of layer 0 (router row 2 reads MARK) and a super weight in it. */
    static TransformerModel plantedInExpert() {
        TransformerModel m = TransformerModel.create(PRMOE, DataType.DOUBLE, 9);
        m.parameters().get(MoeNames.router(0)).putScalar(new long[]{EXPERT, SuperWeightAttributionTest.MARK}, 20.0);
        SuperWeightAttributionTest.plant(m, p -> MoeNames.expert(0, EXPERT, p), new int[]{41}, new double[]{1.5});
        return m;
    }

    @Test
    void aSuperWeightInOneExpertIsFoundAndNamesItsExpert() {
        TransformerModel m = plantedInExpert();
        Map<String, INDArray> before = m.parameterSnapshot();
        Detection d = SuperWeightAttributionTest.detect(m);
        SuperWeight sw = new SuperWeight(0, Site.EXPERT, EXPERT, SuperWeightAttributionTest.ROW, 41, 1.5);
        assertEquals(List.of(sw), d.superWeights(), d.verdict());
        assertEquals("layers[0].mlp.experts[2].down_proj.weight[7, 41]", sw.coordinate());
        assertEquals(MoeNames.expert(0, EXPERT, "down"), sw.parameter());
        assertTrue(d.verdict().startsWith("1 super weight(s) found: layers[0].mlp.experts[2].down_proj.weight[7, 41]"
                + " = 1.500 (expert 2; found with 3/3 prompts"), d.verdict());
        // the read-out: one row per expert that received tokens, over its tokens only, plus the residual MLP
        ActivationScan scan = d.prompts().get(0).original();
        List<DownProj> layer0 = scan.layers().get(0).projections();
        DownProj e2 = layer0.stream().filter(p -> p.expert() == EXPERT).findFirst().orElseThrow();
        assertEquals(0, e2.output().token()); // BOS, in prompt positions
        assertEquals(SuperWeightAttributionTest.ROW, e2.output().channel());
        int routed = layer0.stream().filter(p -> p.site() == Site.EXPERT).mapToInt(DownProj::tokens).sum();
        assertEquals(scan.tokens(), routed, "top-1 at inference: every token reaches exactly one expert");
        assertEquals(Site.SHARED, layer0.get(layer0.size() - 1).site());
        assertEquals(scan.tokens(), layer0.get(layer0.size() - 1).tokens());
        m.parameters().forEach((k, v) -> assertEquals(before.get(k), v, k));
    }

    @Test
    void ablationsAndWeightQuantizationActOnTheExpert(@TempDir Path tmp) throws Exception {
        TransformerModel m = plantedInExpert();
        SuperWeight sw = new SuperWeight(0, Site.EXPERT, EXPERT, SuperWeightAttributionTest.ROW, 41, Double.NaN);
        Map<String, INDArray> before = m.parameterSnapshot();
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "The cat sat on the mat. It was a sunny day and the birds sang.");
        Ablations.Table t = new Ablations(m, SuperWeightAttributionTest.BYTES, List.of(PerplexityTask.of(text)), 0, 4)
                .run(List.of(sw), 0.01, List.of(), java.util.OptionalLong.empty());
        m.parameters().forEach((k, v) -> assertEquals(before.get(k), v, k));
        assertEquals(List.of("original", "prune SW", "prune non-SW (top 0.01 per matrix)"),
                t.conditions().stream().map(Ablations.Row::condition).toList());
        assertTrue(t.notes().get(0).startsWith("prune SW, +SA left out: restoring a super activation inside an expert"
                + " is not supported"), t.notes().toString());
        double orig = t.conditions().get(0).metrics().get("t.txt.mean_token_nll");
        double pruned = t.conditions().get(1).metrics().get("t.txt.mean_token_nll");
        assertTrue(Math.abs(pruned - orig) > 1e-3, "pruning the expert's super weight changed the NLL by "
                + (pruned - orig));
        try (WeightQuantizer.Applied a = new WeightQuantizer(4, 256, 3, List.of(sw)).apply(m)) {
            assertTrue(a.parameters().contains(sw.parameter()), "expert matrices are quantized");
            assertEquals(1.5, m.parameters().get(sw.parameter()).getDouble(sw.row(), sw.col())); // restored exactly
            assertNotEquals(before.get(MoeNames.expert(0, 1, "down")), m.parameters().get(MoeNames.expert(0, 1, "down")));
        }
        m.parameters().forEach((k, v) -> assertEquals(before.get(k), v, k));
    }

    @Test
    void aSuperWeightInTheResidualMlpIsFoundAndItsActivationRestored() {
        TransformerModel m = TransformerModel.create(PRMOE, DataType.DOUBLE, 9);
        SuperWeightAttributionTest.plant(m, p -> MoeNames.shared(1, p), new int[]{41}, new double[]{1.5});
        Detection d = SuperWeightAttributionTest.detect(m);
        SuperWeight sw = new SuperWeight(1, Site.SHARED, -1, SuperWeightAttributionTest.ROW, 41, 1.5);
        assertEquals(List.of(sw), d.superWeights(), d.verdict());
        assertEquals("layers[1].mlp.shared.down_proj.weight[7, 41]", sw.coordinate());
        int[][] ids = {SuperWeightAttributionTest.BYTES.encode("Apple Inc. is a worldwide tech company.", true, false)};
        INDArray orig = m.logits(ids).dup();
        INDArray restored = SuperActivationRestore.build(m, List.of(sw)).logits(ids);
        INDArray pruned;
        try (WeightEdit e = new WeightEdit(m).prune(List.of(sw))) {
            pruned = m.logits(ids).dup();
        }
        INDArray bos = orig.get(NDArrayIndex.point(0), NDArrayIndex.point(0), NDArrayIndex.all());
        double dPruned = pruned.get(NDArrayIndex.point(0), NDArrayIndex.point(0), NDArrayIndex.all()).sub(bos)
                .norm2Number().doubleValue();
        double dRestored = restored.get(NDArrayIndex.point(0), NDArrayIndex.point(0), NDArrayIndex.all()).sub(bos)
                .norm2Number().doubleValue();
        assertTrue(dPruned > 1e-3, "pruning moved BOS's logits by " + dPruned);
        assertTrue(dRestored < 1e-9, "restoring the super activation left " + dRestored);
    }

    @Test
    void moeCoordinatesParseAndAreChecked() {
        assertEquals(new SuperWeight(1, Site.EXPERT, 3, 5, 9, Double.NaN),
                SuperWeight.parse("layers[1].mlp.experts[3].down_proj.weight[5, 9]"));
        assertEquals(new SuperWeight(1, Site.EXPERT, 3, 5, 9, Double.NaN),
                SuperWeight.parse("model.layers.1.mlp.experts.3.down_proj.weight[5,9]"));
        assertEquals(new SuperWeight(1, Site.SHARED, -1, 5, 9, Double.NaN),
                SuperWeight.parse("layers[1].mlp.shared.down_proj.weight[5, 9]"));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> SuperWeight.parse("layers[0].mlp.experts[4].down_proj.weight[5, 9]").check(PRMOE)).getMessage();
        assertTrue(msg.contains("layer 0 has experts 0..3"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> SuperWeight.parse("0,5,9").check(PRMOE)).getMessage();
        assertTrue(msg.contains("is a Mixture-of-Experts layer and has no dense mlp.down_proj; name an expert"), msg);
        ModelConfig moe = ModelPreset.registry().get("tiny-moe").config(); // no residual MLP; layer 0 dense
        msg = assertThrows(IllegalArgumentException.class,
                () -> SuperWeight.parse("layers[1].mlp.shared.down_proj.weight[5, 9]").check(moe)).getMessage();
        assertTrue(msg.contains("no residual MLP"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> SuperWeight.parse("layers[0].mlp.experts[0].down_proj.weight[5, 9]").check(moe)).getMessage();
        assertTrue(msg.contains("layer 0 is a dense layer"), msg);
    }

    @Test
    void emergenceRowsOfMoeLayersNameTheExpertHoldingTheMaximum(@TempDir Path tmp) throws Exception {
        TransformerModel m = plantedInExpert();
        Path file = tmp.resolve("metrics.jsonl");
        int[] probe = SuperWeightAttributionTest.BYTES.encode("Apple Inc. is a worldwide tech company.", true, false);
        EmergenceListener l = new EmergenceListener(m, probe, 10, new dev.sinter.framework.train.MetricsJsonl(file));
        l.onFinish(7);
        com.fasterxml.jackson.databind.JsonNode row = dev.sinter.framework.util.Json.read(
                Files.readAllLines(file).get(0));
        assertEquals(7, row.get("step").asLong());
        assertEquals(EXPERT, row.get("sw.0.out_expert").asInt()); // the planted spike, at BOS in expert 2
        assertEquals(SuperWeightAttributionTest.ROW, row.get("sw.0.out_ch").asInt());
        assertTrue(row.get("sw.0.out_max").asDouble() > 400, row.toString());
        assertTrue(row.has("sw.1.in_max") && row.has("sw.1.in_expert"), row.toString());
    }
}
