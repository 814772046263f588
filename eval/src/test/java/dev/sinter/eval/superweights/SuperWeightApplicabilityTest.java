package dev.sinter.eval.superweights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.superweights.SuperWeightDetector.Detection;
import dev.sinter.eval.superweights.SuperWeightDetector.Outcome;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.models.transformer.TransformerModel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The detector runs on MoE models and says why it does not apply to prompts that exceed the context. */
class SuperWeightApplicabilityTest {
    static final SuperWeightDetector DETECTOR = new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT);
    static final List<String> PROMPTS = SuperWeightDetector.DEFAULT_PROMPTS;

    static TransformerModel model(String preset) {
        return TransformerModel.create(ModelPreset.registry().get(preset).config(), DataType.FLOAT, 3);
    }

    @Test
    void everyLayerMoeIsAnalysedPerExpert() {
        Detection d = assertInstanceOf(Detection.class, DETECTOR.analyse(model("tiny-prmoe"), new ByteTokenizer(),
                PROMPTS));
        ActivationScan s = d.prompts().get(0).original();
        assertTrue(s.layers().get(0).downInput() == null, "layer 0 is MoE");
        // every expert that received a token, then the residual MLP
        assertTrue(s.layers().get(1).projections().size() >= 2, s.layers().get(1).projections().toString());
        assertTrue(d.verdict().startsWith("no super weight found: with the first prompt the largest |down_proj input|"),
                d.verdict());
    }

    @Test
    void aPromptLongerThanTheContextIsNotApplicableAndNamesThePrompt() {
        ModelConfig shortContext = ModelConfig.builder().dim(32).nLayers(2).nHeads(4).nKvHeads(2).hiddenDim(64)
                .vocabSize(260).maxSeqLen(32).build(); // tiny with max_seq_len 32
        TransformerModel m = TransformerModel.create(shortContext, DataType.FLOAT, 3);
        Outcome o = DETECTOR.analyse(m, new ByteTokenizer(), List.of("Summer is hot.", PROMPTS.get(1)));
        assertEquals("not applicable: prompt 1 has 54 tokens, longer than the model's context (max_seq_len 32); use"
                + " prompts that fit", o.verdict());
        assertTrue(DETECTOR.analyse(m, new ByteTokenizer(), List.of("Summer is hot.")) instanceof Detection);
    }

    @Test
    void aModelWithOneDenseLayerIsAnalysed() {
        Detection d = assertInstanceOf(Detection.class, DETECTOR.analyse(model("tiny-moe"), new ByteTokenizer(), PROMPTS));
        assertEquals(3, d.prompts().size());
        assertTrue(d.prompts().get(0).original().layers().get(0).downInput() != null, "layer 0 is dense");
        assertTrue(d.prompts().get(0).original().layers().get(1).downInput() == null, "layer 1 is MoE");
    }
}
