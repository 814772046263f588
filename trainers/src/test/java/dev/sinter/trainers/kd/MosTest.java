package dev.sinter.trainers.kd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.TrainingRun;
import dev.sinter.trainers.TrainingRunTestAccess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Mixture-of-Students: the student's layout, its initialisation from the teacher, and a run end to end. */
class MosTest {
    static final String TEACHER_MODEL = "model={name: tiny-prmoe, n_layers: 4, moe: {experts: [4, 8], layers: [1, 3]}}";

    @Test
    void studentDropsLowExpertLayersAndCopiesExactlyTheMappedLayers(@TempDir Path dir) throws IOException {
        Path teacherRun = TrainingRunTestAccess.train(dir, "teacher", TEACHER_MODEL, "training.steps=2",
                "training.warmup_steps=0");
        TransformerModel teacher = ModelIO.load(teacherRun);
        ModelConfig t = teacher.config();
        assertEquals(List.of(1, 3), t.moeLayers());
        StudentLayout layout = StudentLayout.lowExpertDefault(t);
        assertEquals(List.of(2, 3), layout.layerMap(), "the 4-expert MoE layer 1 and the layer before it go");
        ModelConfig s = layout.studentConfig();
        assertEquals(2, s.nLayers());
        assertEquals(List.of(1), s.moeLayers());
        assertEquals(8, s.expertsAt(1));

        TransformerModel student = TransformerModel.create(s, DataType.FLOAT, 99);
        layout.initialise(student, teacher);
        Map<String, INDArray> tp = teacher.parameters();
        for (Map.Entry<String, INDArray> e : student.parameters().entrySet()) {
            String teacherName = e.getKey().replace("model.layers.0.", "model.layers.2.")
                    .replace("model.layers.1.", "model.layers.3.");
            assertEquals(tp.get(teacherName), e.getValue(), e.getKey() + " ← " + teacherName);
        }
        IllegalArgumentException deep = assertThrows(IllegalArgumentException.class,
                () -> StudentLayout.mapped(t, List.of(0, 1, 2, 3, 3)));
        assertTrue(deep.getMessage().contains("must not be deeper"), deep.getMessage());
    }

    @Test
    void mosRunTrainsAStudentThatLoadsLikeAnyModel(@TempDir Path dir) throws IOException {
        Path teacherRun = TrainingRunTestAccess.train(dir, "teacher", TEACHER_MODEL, "training.steps=2",
                "training.warmup_steps=0");
        TrainingRun.Result r = new TrainingRun(TrainingRunTestAccess.config(dir, "student",
                "trainer={type: mos, teacher: " + teacherRun + ", layer_map: [0, 3], temperature: 2.0,"
                        + " stages: [{until_step: 2, kd_weight: 1.0}, {kd_weight: 0.0}]}",
                "training.steps=4", "training.warmup_steps=0")).execute();
        TransformerModel student = ModelIO.load(r.runDir());
        assertEquals(2, student.config().nLayers());
        assertEquals(List.of(1), student.config().moeLayers());
        assertEquals(r.decoder().logits(new int[][]{{1, 2, 3}}), student.logits(new int[][]{{1, 2, 3}}));
    }
}
