package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.testing.TestData;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoder classification runs from YAML: validation accuracy and macro-F1 in {@code metrics.jsonl}, the saved
 * classifier evaluated on a file (Tribuo's evaluator agrees with the run's final model), the generic jsonl format, and
 * the config errors of family/task mismatches.
 */
class ClassificationRunTest {
    @TempDir
    static Path shared;
    static Path encoder;

    @BeforeAll
    static void saveTinyEncoder() throws IOException {
        encoder = EncoderRuns.tinyEncoder(shared);
    }

    @Test
    void runRecordsAccuracyAndMacroF1AndItsSavedClassifierEvaluates(@TempDir Path dir) throws IOException {
        TrainingRun.Result r = new TrainingRun(EncoderRuns.config(dir, encoder, "boolq",
                "trainer={type: lora, rank: 4, alpha: 8, targets: [q, v]}", "training.steps=4",
                "training.eval_every=2")).execute();
        Map<Long, Double> accuracy = EncoderRuns.metric(r.runDir(), "val_accuracy");
        Map<Long, Double> f1 = EncoderRuns.metric(r.runDir(), "val_macro_f1");
        assertEquals(List.of(2L, 4L), List.copyOf(accuracy.keySet()));
        assertEquals(List.of(2L, 4L), List.copyOf(f1.keySet()));
        accuracy.values().forEach(a -> assertTrue(a >= 0 && a <= 1 && a * 6 == Math.rint(a * 6), "k/6: " + a));

        Path boolq = TestData.fixture("eval/boolq.jsonl");
        Map<String, Object> eval = ClassifierEvaluation.evaluate(r.runDir(), boolq);
        TextClassificationData all = TextClassificationData.boolq(boolq, 0, 0, 3);
        int[] gold = all.train().stream().mapToInt(TextClassificationData.Item::label).toArray();
        ClassificationMetrics.Scores expected;
        try (EncoderTokenizer tok = EncoderSource.of(encoder.toString()).tokenizer()) {
            expected = ClassificationMetrics.score(((BertEncoder) r.model()).probabilities(
                    TextClassificationData.encode(tok, all.train(), 48), 4), gold);
        }
        assertEquals(30, eval.get("examples"));
        assertEquals(expected.accuracy(), (double) eval.get("accuracy"), 1e-12);
        assertEquals(expected.macroF1(), (double) eval.get("macro_f1"), 1e-12);
        assertTrue(eval.get("provenance").toString().contains("tiny-bert"), eval.get("provenance").toString());
        assertTrue(Files.isRegularFile(r.runDir().resolve("checkpoints/step-0000004/tokenizer.json")));
    }

    @Test
    void genericJsonlTextsWithNamedLabels(@TempDir Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            lines.add("{\"sentence\": \"item " + i + (i % 2 == 0 ? " is great" : " is awful")
                    + "\", \"sentiment\": \"" + (i % 2 == 0 ? "positive" : "negative") + "\"}");
        }
        Path file = dir.resolve("sentiment.jsonl");
        Files.write(file, lines);
        RunConfig cfg = EncoderRuns.config(dir, encoder, "sentiment", "task={type: classification, train: " + file
                + ", text_fields: [sentence], label_field: sentiment, validation_size: 4, max_length: 16}",
                "training.steps=2", "training.eval_every=2", "checkpoint.every=2", "trainer={type: full}");
        TrainingRun.Result r = new TrainingRun(cfg).execute();
        EncoderTribuoModel saved = SavedClassifier.load(r.runDir());
        assertEquals(List.of("negative", "positive"), saved.classes(), "sorted distinct labels");
        assertEquals(2, EncoderRuns.metric(r.runDir(), "loss").size());
        assertEquals(16, ClassifierEvaluation.evaluate(r.runDir(), file).get("examples"));
    }

    @Test
    void piqaPairsReportThePairedAccuracy(@TempDir Path dir) throws IOException {
        Path piqa = TestData.fixture("eval/piqa.jsonl");
        TrainingRun.Result r = new TrainingRun(EncoderRuns.config(dir, encoder, "piqa", "task={type: classification,"
                + " format: piqa, train: " + piqa + ", validation_size: 4, max_length: 32}", "training.steps=2",
                "training.eval_every=2", "checkpoint.every=2", "trainer={type: full}")).execute();
        TextClassificationData goals = TextClassificationData.piqa(piqa, 4, 0, 3); // the run's split (seed 3)
        double expected;
        try (EncoderTokenizer tok = EncoderSource.of(encoder.toString()).tokenizer()) {
            expected = goals.pairedAccuracy(((BertEncoder) r.model()).probabilities(
                    TextClassificationData.encode(tok, goals.test(), 32), 4));
        }
        assertEquals(Map.of(2L, expected), EncoderRuns.metric(r.runDir(), "val_paired_accuracy"));
        assertEquals(List.of("wrong", "right"), SavedClassifier.load(r.runDir()).classes());
    }

    @Test
    void familyAndTaskMismatchesFailWithOneClearError(@TempDir Path dir) {
        String boolq = TestData.fixture("eval/boolq.jsonl").toString();
        ConfigException withData = assertThrows(ConfigException.class, () -> EncoderRuns.config(dir, encoder, "x",
                "data={train: t.txt, seq_len: 8}"));
        assertTrue(withData.getMessage().contains("must be absent with task (classification)"), withData.getMessage());
        ConfigException preset = assertThrows(ConfigException.class, () -> EncoderRuns.config(dir, encoder, "x",
                "model={name: tiny}"));
        assertTrue(preset.getMessage().contains("must name a model of the encoder family for task classification"),
                preset.getMessage());
        ConfigException overrides = assertThrows(ConfigException.class, () -> EncoderRuns.config(dir, encoder, "x",
                "model.dim=64"));
        assertTrue(overrides.getMessage().contains("architecture comes from its weights"), overrides.getMessage());
        ConfigException lm = assertThrows(ConfigException.class, () -> RunConfig.loadString(String.join("\n",
                "name: x", "model: {from: \"encoder:all-minilm-l6-v2\"}", "data: {train: t.txt, seq_len: 8}",
                "training: {steps: 1, batch_size: 1, lr: 1.0e-3}"), "lm.yaml", List.of()));
        assertTrue(lm.getMessage().contains("must name a model of the decoder family for language modelling"), lm.getMessage());
        ConfigException fields = assertThrows(ConfigException.class, () -> EncoderRuns.config(dir, encoder, "x",
                "task={type: classification, train: " + boolq + ", label_field: gold}"));
        assertTrue(fields.getMessage().contains("text_fields"), fields.getMessage());
        RunConfig unknown = EncoderRuns.config(dir, encoder, "x", "model.from=encoder:minilm-xl");
        Exception e = assertThrows(Exception.class, () -> new TrainingRun(unknown).execute());
        assertTrue(e.getMessage().contains("unknown encoder 'minilm-xl'"), e.getMessage());
    }
}
