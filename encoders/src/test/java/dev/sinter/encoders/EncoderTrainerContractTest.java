package dev.sinter.encoders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sinter.framework.config.ConfigException;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainerType;
import dev.sinter.trainers.TrainingRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The trainer contract on the encoder family, for every registered trainer type: a classification run of a tiny BERT
 * trains, a run crashed after its step-4 checkpoint and resumed reproduces the uninterrupted run (every loss and
 * validation score, the saved classifier's outputs), and its saved classifier loads back with the run's outputs.
 * A type that does not train encoders (distillation) must be refused by config validation with a clear reason, and is
 * skipped here with it.
 */
class EncoderTrainerContractTest {
    /**
     * Trainer sections sized for the tiny encoder (d 32, hidden 64), and the distillers' required teacher (never
     * loaded: config validation refuses them for encoders); other types run with their defaults.
     */
    private static final Map<String, String> SETTINGS = Map.of(
            "lora", "{type: lora, rank: 4, alpha: 8, dropout: 0.1, targets: [q, v, down]}",
            "smt", "{type: smt, warmup_steps: 3, block_size: 8, num_blocks: 6, targets: [q, k, v, up]}",
            "kd", "{type: kd, teacher: runs/teacher}",
            "mos", "{type: mos, teacher: runs/teacher}");

    @TempDir
    static Path shared;
    static Path encoder;

    @BeforeAll
    static void saveTinyEncoder() throws IOException {
        encoder = EncoderRuns.tinyEncoder(shared);
    }

    static Stream<String> trainerTypes() {
        return TrainerType.registry().names().stream();
    }

    private static String trainer(String type) {
        return "trainer=" + SETTINGS.getOrDefault(type, "{type: " + type + "}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trainerTypes")
    void resumedEncoderRunReproducesTheStraightRun(String type, @TempDir Path dir) throws IOException {
        TrainerType<?> t = TrainerType.registry().get(type);
        if (!t.supports(EncoderFamily.NAME)) {
            ConfigException refused = assertThrows(ConfigException.class,
                    () -> EncoderRuns.config(dir, encoder, "x", trainer(type)));
            assertTrue(refused.getMessage().contains("trains only the " + String.join(", ", t.families())),
                    refused.getMessage());
            assumeTrue(false, type + " trains only the " + t.families() + " family: " + refused.getMessage());
        }
        TrainingRun.Result straight = new TrainingRun(EncoderRuns.config(dir, encoder, "straight", trainer(type)))
                .execute();
        RunConfig cfg = EncoderRuns.config(dir, encoder, "resumed", trainer(type));
        TrainingRun crashing = new TrainingRun(cfg).addListener(EncoderRuns.crashAt(6));
        assertThrows(IllegalStateException.class, crashing::execute);
        TrainingRun.Result resumed = new TrainingRun(cfg).execute();

        Map<Long, Double> losses = EncoderRuns.metric(straight.runDir(), "loss");
        assertEquals(8, losses.size());
        assertEquals(losses, EncoderRuns.metric(resumed.runDir(), "loss"), "every step's loss after resuming at 4");
        for (String m : List.of("val_loss", "val_accuracy", "val_macro_f1")) {
            Map<Long, Double> rows = EncoderRuns.metric(straight.runDir(), m);
            assertEquals(List.of(4L, 8L), List.copyOf(rows.keySet()), m);
            assertEquals(rows, EncoderRuns.metric(resumed.runDir(), m), m);
        }
        assertEquals(straight.validationLoss(), resumed.validationLoss());

        // the saved classifier is the run's final model
        EncoderTribuoModel saved = SavedClassifier.load(resumed.runDir());
        EncodedBatch probe;
        try (EncoderTokenizer tok = EncoderSource.of(encoder.toString()).tokenizer()) {
            probe = tok.encodePairs(List.of("is it raining?", "can birds fly?"),
                    List.of("It rained all day in the city.", "Most birds can fly; penguins cannot."), 48);
        }
        INDArray expected = ((BertEncoder) resumed.model()).probabilities(probe, 4);
        assertEquals(expected, ((BertEncoder) straight.model()).probabilities(probe, 4));
        assertEquals(expected, saved.encoder().probabilities(probe, 4));
        assertTrue(saved.getProvenance().toString().contains(type), saved.getProvenance().toString());
    }
}
