package dev.sinter.trainers.norms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.ConfigException;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainerType;
import dev.sinter.trainers.TrainingRun;
import dev.sinter.trainers.TrainingRunTestAccess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trainer registered by this test module's own plug-in, unknown to the main code: config binding and its error
 * messages see it, and it trains what it says.
 */
class NormTrainerTest {
    @Test
    void aConfigNamingTheTestModulesTrainerBindsToItsRecord(@TempDir Path dir) {
        RunConfig cfg = TrainingRunTestAccess.config(dir, "norms", "trainer={type: norms, final_norm: false}");
        assertEquals(new NormTrainerConfig(false), cfg.trainer());
        assertEquals(NormTrainerConfig.of(null), TrainingRunTestAccess.config(dir, "n", "trainer={type: norms}").trainer());
        assertEquals(NormTrainerConfig.class, TrainerType.registry().get("norms").recordType());
    }

    @Test
    void anUnknownTypeListsTheTestModulesTrainer(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainingRunTestAccess.config(dir, "x", "trainer={type: norm}"));
        assertTrue(e.getMessage().contains("unknown type 'norm', expected one of: ") && e.getMessage().contains("norms")
                && e.getMessage().endsWith("did you mean 'norms'?"), e.getMessage());
    }

    @Test
    void onlyTheLayerNormsTrainWithoutTheFinalNorm(@TempDir Path dir) throws IOException {
        RunConfig cfg = TrainingRunTestAccess.config(dir, "norms", "trainer={type: norms, final_norm: false}",
                "training.steps=4", "training.warmup_steps=0");
        Map<String, INDArray> init = TransformerModel.create(cfg.model().resolve(), DataType.FLOAT, cfg.seed())
                .parameters();
        Map<String, INDArray> after = new TrainingRun(cfg).execute().model().parameters();
        init.forEach((name, before) -> assertEquals(name.contains("_layernorm."), !before.equals(after.get(name)),
                name));
    }
}
