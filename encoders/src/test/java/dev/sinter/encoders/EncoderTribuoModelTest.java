package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.testing.TestData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * all-MiniLM-L6-v2 + LoRA on a handful of BoolQ examples (the committed slice), served as a Tribuo model: its
 * predictions equal the fine-tuned encoder's own, item by item; evaluation and provenance.
 */
class EncoderTribuoModelTest {
    @Test
    void fineTunedEncoderRoundTripsThroughTribuo() throws Exception {
        TextClassificationData boolq = TextClassificationData.boolq(TestData.fixture("eval/boolq.jsonl"), 6, 22, 42);
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

            // reference: the fine-tuned encoder's own forward pass, one item at a time (no batching, no padding)
            List<TextClassificationData.Item> test = boolq.test();
            double[][] expected = new double[test.size()][];
            for (int i = 0; i < test.size(); i++) {
                EncodedBatch one = TextClassificationData.encode(tok, List.of(test.get(i)), 64);
                INDArray logits = r.model().output(one, BertEncoder.LOGITS).get(BertEncoder.LOGITS); // [1, C]
                expected[i] = softmax(logits.toDoubleVector());
            }
            List<Prediction<Label>> predictions = model.predict(testSet.getData()); // one batched pass
            int correct = 0;
            for (int i = 0; i < test.size(); i++) {
                Prediction<Label> p = predictions.get(i);
                int best = argmax(expected[i]);
                assertEquals(boolq.classes().get(best), p.getOutput().getLabel(), "label of test item " + i);
                assertEquals(expected[i][best], p.getOutput().getScore(), 1e-5, "score of test item " + i);
                assertEquals(boolq.classes().size(), p.getOutputScores().size());
                for (int c = 0; c < boolq.classes().size(); c++) {
                    Label scored = p.getOutputScores().get(boolq.classes().get(c));
                    assertEquals(expected[i][c], scored.getScore(), 1e-5, "P(" + scored.getLabel() + ") of item " + i);
                }
                correct += best == test.get(i).label() ? 1 : 0;
            }

            LabelEvaluation eval = new LabelEvaluator().evaluate(model, testSet);
            assertEquals(6, eval.getPredictions().size());
            assertEquals(correct / (double) test.size(), eval.accuracy(), 1e-12);
            String prov = model.getProvenance().toString();
            assertTrue(prov.contains("all-minilm-l6-v2") && prov.contains("lora") && prov.contains("boolq train"), prov);
        }
    }

    private static double[] softmax(double[] z) {
        double max = java.util.Arrays.stream(z).max().orElseThrow();
        double[] e = java.util.Arrays.stream(z).map(v -> Math.exp(v - max)).toArray();
        double sum = java.util.Arrays.stream(e).sum();
        return java.util.Arrays.stream(e).map(v -> v / sum).toArray();
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }

    private static MutableDataset<Label> dataset(TextClassificationData d, List<TextClassificationData.Item> items,
                                                 String split, LabelFactory f) {
        List<org.tribuo.Example<Label>> ex = items.stream().map(i -> EncoderTribuoModel.example(i.first(), i.second(),
                new Label(d.classes().get(i.label())))).toList();
        return new MutableDataset<>(new ListDataSource<>(ex, f, new SimpleDataSourceProvenance(d.name() + " " + split
                + " split (seed 42)", f)));
    }
}
