package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.LoraTrainerConfig;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.testing.SharedData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/** all-MiniLM-L6-v2 + LoRA on a handful of BoolQ examples, served as a Tribuo model: predict → evaluate → provenance. */
class EncoderTribuoModelTest {
    @Test
    void fineTunedEncoderRoundTripsThroughTribuo() throws Exception {
        TextClassificationData boolq = TextClassificationData.boolq(SharedData.require("data/eval/boolq.jsonl"), 6, 22, 42);
        PretrainedEncoder base = PretrainedEncoder.ALL_MINILM_L6_V2;
        ImportedEncoder weights = base.load();
        try (EncoderTokenizer tok = base.tokenizer()) {
            EncodedBatch train = TextClassificationData.encode(tok, boolq.train(), 64);
            int[] labels = boolq.train().stream().mapToInt(TextClassificationData.Item::label).toArray();
            TrainingConfig t = new TrainingConfig(2, 8, 8, 1e-3, 1e-4, 0, 0.0, 0.9, 0.95, 1e-8, 1.0, 1000, 1, 1);
            EncoderFineTuner.Result r = EncoderFineTuner.train(weights, train, labels, 2, "lora", t,
                    new LoraTrainerConfig(4, 8, 0.1, List.of("q", "v")), null, 1);

            LabelFactory f = new LabelFactory();
            MutableDataset<Label> trainSet = dataset(boolq, boolq.train(), "train", f);
            MutableDataset<Label> testSet = dataset(boolq, boolq.test(), "test", f);
            EncoderTribuoModel model = EncoderTribuoModel.of(r.model(), tok, boolq.classes(), 64, base, "lora",
                    Map.of("rank", "4", "steps", "2"), trainSet);

            Prediction<Label> p = model.predict(testSet.getExample(0));
            assertTrue(boolq.classes().contains(p.getOutput().getLabel()));
            double sum = p.getOutputScores().values().stream().mapToDouble(Label::getScore).sum();
            assertEquals(1.0, sum, 1e-5);

            LabelEvaluation eval = new LabelEvaluator().evaluate(model, testSet);
            assertEquals(6, eval.getPredictions().size());
            assertTrue(eval.accuracy() >= 0 && eval.accuracy() <= 1);
            String prov = model.getProvenance().toString();
            assertTrue(prov.contains("all-minilm-l6-v2") && prov.contains("lora") && prov.contains("boolq train"), prov);
        }
    }

    private static MutableDataset<Label> dataset(TextClassificationData d, List<TextClassificationData.Item> items,
                                                 String split, LabelFactory f) {
        List<org.tribuo.Example<Label>> ex = items.stream().map(i -> EncoderTribuoModel.example(i.first(), i.second(),
                new Label(d.classes().get(i.label())))).toList();
        return new MutableDataset<>(new ListDataSource<>(ex, f, new SimpleDataSourceProvenance(d.name() + " " + split
                + " split (seed 42)", f)));
    }
}
