package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.testing.TestData;
import dev.sinter.models.transformer.LinearLayer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;

/**
 * all-MiniLM-L6-v2 with a seeded classification head on a handful of BoolQ examples (the committed slice), served as
 * a Tribuo model: its predictions equal the encoder's own, item by item; evaluation and provenance, also after a
 * save/load round trip through {@link SavedClassifier}. (Training through runs: {@code ClassificationRunTest}.)
 */
class EncoderTribuoModelTest {
    @Test
    void encoderClassifierRoundTripsThroughTribuoAndDisk(@TempDir Path dir) throws Exception {
        TextClassificationData boolq = TextClassificationData.boolq(TestData.fixture("eval/boolq.jsonl"), 6, 22, 42);
        PretrainedEncoder base = PretrainedEncoder.ALL_MINILM_L6_V2;
        ImportedEncoder weights = base.load();
        try (EncoderTokenizer tok = base.tokenizer()) {
            BertEncoder encoder = BertEncoder.create(weights.config(), 2, DataType.FLOAT, 1, LinearLayer.DENSE);
            encoder.loadParameters(weights.weights(), weights.source()); // the head keeps its seeded initialisation

            MutableDataset<Label> trainSet = EncoderTribuoModel.dataset(boolq, boolq.train(), "boolq train split (seed 42)");
            MutableDataset<Label> testSet = EncoderTribuoModel.dataset(boolq, boolq.test(), "boolq test split (seed 42)");
            EncoderTribuoModel model = EncoderTribuoModel.of(encoder, tok, boolq.classes(), 64, base, "lora",
                    Map.of("rank", "4", "steps", "2"), trainSet);

            // reference: the fine-tuned encoder's own forward pass, one item at a time (no batching, no padding)
            List<TextClassificationData.Item> test = boolq.test();
            double[][] expected = new double[test.size()][];
            for (int i = 0; i < test.size(); i++) {
                EncodedBatch one = TextClassificationData.encode(tok, List.of(test.get(i)), 64);
                INDArray logits = encoder.output(one, BertEncoder.LOGITS).get(BertEncoder.LOGITS); // [1, C]
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

            SavedClassifier.save(dir, model, base.tokenizerJson());
            EncoderTribuoModel loaded = SavedClassifier.load(dir);
            assertEquals(model.getProvenance(), loaded.getProvenance(), "provenance restored");
            assertEquals(model.getName(), loaded.getName());
            List<Prediction<Label>> again = loaded.predict(testSet.getData());
            for (int i = 0; i < test.size(); i++) {
                assertEquals(predictions.get(i).getOutput().getLabel(), again.get(i).getOutput().getLabel());
                assertEquals(predictions.get(i).getOutput().getScore(), again.get(i).getOutput().getScore(), 1e-6);
            }
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
}
